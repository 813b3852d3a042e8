// Starts the GOV.UK Frontend components (error summary focus, skip link,
// service navigation, and so on) on every page. Loaded as a module, so
// browsers that cannot run GOV.UK Frontend's JavaScript skip it and get the
// plain HTML, which works without JavaScript.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();
