"""Audit actions are members of one enum with a name each (yourchoice/audit/actions.py); the
values the append-only trail already holds never change."""

from __future__ import annotations

import ast
from pathlib import Path

from yourchoice.audit.actions import READ_ACTIONS, AuditAction, action_label

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "build", "tests", "migrations", ".git"}

#: Every action the trail has ever been written with. Rows are never rewritten, so each of these
#: must stay a member with this exact value for the trail (and the borough lead's view) to read.
STORED = {
    "young_person.view",
    "young_person.audit_view",
    "young_person.export",
    "young_person.read",
    "young_person.api_read",
    "young_person.offline_copy",
    "referral.create",
    "referral.reassess",
    "young_person.update",
    "key_contact.add",
    "key_contact.update",
    "key_contact.remove",
    "episode.allocated",
    "episode.reallocated",
    "episode.transfer",
    "session.log",
    "session.correct_notes",
    "session.correct",
    "session.addendum",
    "session.waiting_asked",
    "goal.set",
    "goal.rate",
    "young_person_turn.start",
    "young_person_turn.rate",
    "goal.achieved",
    "goal.replaced",
    "goal.dropped",
    "measure.record",
    "flag.raise",
    "flag.review",
    "flag.resolve",
    "budget.spend",
    "closure.request",
    "closure.approve",
    "closure.return",
    "supervision.record",
    "import.check",
    "import.confirm",
    "import.save",
    "import.fail",
    "import.mapping_download",
    "supervision.update",
    "supervision.discuss",
    "supervision.discuss_update",
    "action.complete",
    "break_glass.open",
    "break_glass.refused",
    "break_glass.review",
    "retention.extend",
    "young_person.anonymise",
    "context.create",
    "context.link",
    "context.link_end",
    "context.anonymise",
    "report.request",
    "report.download",
    "extract.request",
    "extract.download",
    "signin.succeeded",
    "signin.failed",
    "signin.code_failed",
    "signin.locked_out",
    "signin.address_limited",
    "signin.app_set_up",
    "signin.passkey",
    "signin.passkey_failed",
    "signin.passkey_added",
    "signin.passkey_removed",
    "signin.council",
    "signin.council_checked",
    "signin.council_refused",
    "signout",
    "signout.council",
    "unlock.succeeded",
    "unlock.failed",
    "account.create",
    "account.update",
    "account.delete",
    "membership.add",
    "membership.update",
    "membership.remove",
    "cover.add",
    "cover.update",
    "cover.remove",
    "api_token.issue",
    "api_token.revoke",
    "authority.update",
    "council_sign_in.update",
    "council_sign_in.remove",
    "signin.link_used",
    "signin.link_refused",
    "signin.set_up_refused",
    "team.create",
    "team.update",
    "team.remove",
    "enrolment_link.sent",
    "account.second_factor_reset",
}


def _sources() -> list[tuple[Path, ast.Module]]:
    found = []
    for top in sorted(ROOT.iterdir()):
        if top.name in SKIP or top.is_symlink() or not top.is_dir():
            continue
        for path in sorted(top.rglob("*.py")):
            if not SKIP & set(path.relative_to(ROOT).parts):
                found.append((path, ast.parse(path.read_text(), str(path))))
    return found


def _takes_audit_action(tree: ast.Module) -> dict[str, list[tuple[str, int | None]]]:
    """Functions with a parameter annotated as audit action(s): name -> [(param, position)]."""
    takes: dict[str, list[tuple[str, int | None]]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        positional = [*node.args.posonlyargs, *node.args.args]
        for arg in [*positional, *node.args.kwonlyargs]:
            if arg.annotation is not None and "AuditAction" in ast.unparse(arg.annotation):
                position = positional.index(arg) if arg in positional else None
                takes.setdefault(node.name, []).append((arg.arg, position))
    return takes


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _written_out(node: ast.AST) -> bool:
    """Whether an argument spells an action out as text rather than naming a member."""
    return any(
        isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Constant) and isinstance(n.value, str))
        for n in ast.walk(node)
    )


def test_every_action_recorded_or_searched_for_is_a_member():
    """`audit.record`, `record_for_episode`, `record_for_young_person`, `last_editor`,
    `require_version` and every helper passing an action on take members, never text: an
    action written as a string could be recorded without a name, or be misspelt and match
    nothing when "who last edited" is looked up."""
    sources = _sources()
    takes: dict[str, list[tuple[str, int | None]]] = {}
    for _, tree in sources:
        for name, params in _takes_audit_action(tree).items():
            takes.setdefault(name, []).extend(params)
    assert {"record", "record_for_episode", "record_for_young_person"} <= set(takes)
    assert {"last_editor", "require_version"} <= set(takes)
    spelt_out = []
    for path, tree in sources:
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            for param, position in takes.get(_callee(call), []):
                given = [k.value for k in call.keywords if k.arg == param]
                if position is not None and position < len(call.args):
                    given.append(call.args[position])
                spelt_out += [
                    f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(arg)}"
                    for arg in given
                    if _written_out(arg)
                ]
    assert spelt_out == [], "Pass an AuditAction member:\n" + "\n".join(spelt_out)


def test_every_member_has_its_own_plain_english_name():
    for action in AuditAction:
        # TextChoices makes a label from the member's name when none is given.
        assert action.label != action.name.replace("_", " ").title(), action
        assert action_label(action) == action.label
    assert len({a.label for a in AuditAction}) == len(AuditAction)


def test_the_values_already_stored_still_read():
    assert {a.value for a in AuditAction} == STORED
    assert {str(a) for a in READ_ACTIONS} == {
        "young_person.view",
        "young_person.audit_view",
        "young_person.export",
        "young_person.read",
        "young_person.api_read",
        "young_person.offline_copy",
    }
    # A stored row is text: it finds its member, its name and whether it read or changed.
    assert action_label("flag.review") == "Reviewed a flag"
    assert "young_person.view" in READ_ACTIONS


def test_a_stored_value_that_is_no_member_still_reads():
    assert action_label("goal.renamed_away") == "Goal: renamed away"
