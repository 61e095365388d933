/** Static checks of a livevirt_vm configuration: the model's VM rules (src/model/vm.ts), spelled in HCL. */
import type { ValidationError } from "../../src/errors.js";
import { vmProblems } from "../../src/model/index.js";
import type { ObjectValue } from "../framework/values.js";
import { modelInput, problemError } from "./spelling.js";

export function validateVm(config: ObjectValue): ValidationError[] {
  return vmProblems(modelInput(config)).map((p) => problemError(p));
}
