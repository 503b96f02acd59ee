// Public surface of the front door for input text: decoding, reading YAML and JSON with positions, problems.
export { decodeText, withoutByteOrderMark } from "./decode";
export { formatSourceProblem, problemText, type Position, type SourceProblem } from "./problem";
export { type FieldPath, type FieldPositions } from "./positions";
export {
  isEmpty,
  readJson,
  readYamlDocument,
  readYamlStream,
  type SourceDocument,
  type YamlReadOptions,
} from "./read";
export { MAX_ALIASES, yamlDataProblem } from "./yaml-problems";
