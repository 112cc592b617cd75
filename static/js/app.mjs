// GOV.UK Frontend components (buttons that ignore double clicks, error summaries, details...).
import { initAll } from "./govuk-frontend.min.js";

initAll();
