import { envOrExit } from "./env";
import { assertDependenciesOrExit } from "./startup";

await assertDependenciesOrExit(envOrExit());
