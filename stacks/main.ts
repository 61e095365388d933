/** The cdktf app (cdktf.json "app"): the example stack on the lab. */
import { LivevirtApp } from "../modules/index.js";
import { ExampleStack } from "./example.js";

const app = new LivevirtApp();
new ExampleStack(app);
app.synth();
