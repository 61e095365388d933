import { writeFileSync } from "node:fs";
import { review, PLACEMENT_SVG } from "../src/review/index.js";
import { examplePlan } from "../test/unit/review/fixtures/plans.js";
const { markdown, html, svg } = review(examplePlan());
writeFileSync("docs/review-example.md", markdown);
if (svg) writeFileSync(`docs/${PLACEMENT_SVG}`, svg);
writeFileSync("docs/review-example.html", html);
