import Foundation
import ScopeKitCore

extension LevellingPipeline {
    /// Reads a recipe file's text: JSON or YAML (the same structure in either).
    ///
    /// A recipe is an object with `steps` (a list) and optionally `routine` (a ``LevellingRoutine`` name whose
    /// steps come first), `compatibility` (`corrected`, `pnanolocz`, `matlab`), `statistics` (`perFrame`,
    /// `wholeMovie`) and `heightThreshold` for the routine; a bare list is taken as the steps. Each step is
    /// either ``StepSyntax`` text (`"plane:2,2"`; consecutive texts may form `iterate…end` blocks) or the
    /// Codable form that ``jsonString()`` writes (`{"medianLine": {"direction": "rows", "strength": 1}}`).
    ///
    /// ```swift
    /// let recipe = try LevellingPipeline(recipe: """
    ///     routine: plane-line
    ///     steps:
    ///       - mask:gaussian,k=2,keep=below
    ///       - plane:2,2
    ///     """)
    /// ```
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` naming the step or key that is wrong;
    ///   ``ScopeKitError/badInput(_:file:)`` for text that is neither JSON nor YAML.
    public init(recipe text: String) throws {
        let tree = try YAML.parse(text)
        var steps: [LevellingStep] = []
        let list: JSONValue?
        switch tree {
        case .array: list = tree
        case .object(let members):
            let known: Set<String> = ["steps", "routine", "compatibility", "statistics", "heightThreshold"]
            if let unknown = members.first(where: { !known.contains($0.key) }) {
                throw ScopeKitError.usage("recipe: unknown key '\(unknown.key)' (keys: \(known.sorted().joined(separator: ", ")))")
            }
            if let routine = tree["routine"] {
                steps = try LevellingPipeline.routineSteps(routine, tree)
            }
            list = tree["steps"]
            if list == nil && tree["routine"] == nil { throw ScopeKitError.usage("recipe: no 'steps' or 'routine'") }
        default:
            throw ScopeKitError.usage("recipe: expected a mapping with 'steps' or a list of steps")
        }
        if let list {
            guard case .array(let items) = list else { throw ScopeKitError.usage("recipe: 'steps' must be a list") }
            var texts: [String] = []
            for (i, item) in items.enumerated() {
                switch item {
                case .string(let s): texts.append(s)
                case .object:
                    steps += try StepSyntax.parse(texts)
                    texts = []
                    do {
                        steps.append(try JSONDecoder().decode(LevellingStep.self, from: Data(item.jsonText().utf8)))
                    } catch {
                        throw ScopeKitError.usage("recipe step \(i + 1): \(LevellingPipeline.describe(error))")
                    }
                default:
                    throw ScopeKitError.usage("recipe step \(i + 1): expected step text or a step object")
                }
            }
            steps += try StepSyntax.parse(texts)
        }
        self.init(steps: steps)
    }

    /// Reads a recipe file (JSON or YAML, told apart by content).
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ScopeKitError.badInput("cannot read the recipe", file: url.path)
        }
        guard data.count <= 16 << 20 else { throw ScopeKitError.badInput("recipe larger than 16 MB", file: url.path) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScopeKitError.badInput("the recipe is not UTF-8 text", file: url.path)
        }
        do { try self.init(recipe: text) } catch let e as ScopeKitError { throw e.attributed(to: url.path) }
    }

    static func routineSteps(_ routine: JSONValue, _ tree: JSONValue) throws -> [LevellingStep] {
        guard case .string(let name) = routine, let r = LevellingRoutine(rawValue: name) else {
            throw ScopeKitError.usage("recipe: unknown routine \(routine.jsonText()) (routines: "
                + LevellingRoutine.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        var compatibility = NanoLoczCompatibility.corrected, statistics = StatisticsScope.wholeMovie, threshold = 1.0
        if let c = tree["compatibility"] {
            guard case .string(let s) = c, let v = NanoLoczCompatibility(rawValue: s) else {
                throw ScopeKitError.usage("recipe: compatibility must be corrected, pnanolocz or matlab")
            }
            compatibility = v
        }
        if let c = tree["statistics"] {
            guard case .string(let s) = c, let v = StatisticsScope(rawValue: s) else {
                throw ScopeKitError.usage("recipe: statistics must be perFrame or wholeMovie")
            }
            statistics = v
        }
        if let c = tree["heightThreshold"] {
            guard case .number(let s) = c, let v = Double(s), v > 0 else {
                throw ScopeKitError.usage("recipe: heightThreshold must be a positive number")
            }
            threshold = v
        }
        return r.pipeline(compatibility: compatibility, statistics: statistics, heightThreshold: threshold).steps
    }

    /// A one-line description of a decoding error (the coding path and what was wrong).
    static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let c)?: return "missing '\(key.stringValue)' at '\(path(c.codingPath))'"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?:
            return "\(c.debugDescription) at '\(path(c.codingPath))'"
        default: return "\(error)"
        }
    }
}
