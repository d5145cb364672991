import ScopeKitCore

/// The textual form of levelling steps, as `scopekit level --step` and recipe files take them.
///
/// A step is `NAME` or `NAME:ARG,ARG,...`. Arguments are positional (in the order the usage shows) or
/// `key=value`; positional ones come first. Names and keywords are case-insensitive. Every kind of step is one
/// entry of ``kinds`` (name, aliases, usage, a parser and a formatter), so adding a step kind is adding an
/// entry.
///
/// | text | step |
/// |---|---|
/// | `plane`, `plane:2`, `plane:2,1`, `plane:2,2,method=nanolocz` | polynomial background; orders x, y (y defaults to x); `method=tensor` (2-D least squares, default), `total` (total degree), `nanolocz` (separable profile fit) |
/// | `line`, `line:2`, `line:1,1,compat=matlab` | NanoLocz per-row polynomial of order x (default 1), then per column of order y (default 0) |
/// | `median-line`, `median-line:0.6`, `median-line:dir=columns` | NanoLocz median line with strength (default 1) |
/// | `smoothed-median-line`, `smoothed-median-line:10` | NanoLocz smoothed median line, window in rows (default 10) |
/// | `mean-plane` | subtract the mean of the used pixels |
/// | `align-rows`, `align-rows:median-diff`, `align-rows:quantile,0.2`, `align-rows:trimmed-mean,0.05,dir=columns,keep-mean=no` | Gwyddion row alignment: `median` (default), `mean`, `quantile,Q`, `trimmed-mean,F`, `modus`, `median-diff`, `trimmed-mean-diff,F`, `polynomial,D` |
/// | `anisotropy-gate`, `anisotropy-gate:pnanolocz`, `anisotropy-gate:7,1,5,0.6` | NanoLocz anisotropy gate (`matlab` default; or factor,strength pairs) |
/// | `mask:range,low=-1,high=1`, `mask:range,-1,1` | keep low ≤ z ≤ high (either may be omitted) |
/// | `mask:gaussian,k=1.5,width=nanolocz,keep=below,scope=movie,bins=100` | Gaussian fit to the height histogram, keep a band of k widths: `width=sigma` (default) or `nanolocz` (k·c1 = k·√2·σ), `keep=band` (default) / `above` / `below`, `scope=frame` (default) / `movie` |
/// | `mask:otsu`, `mask:otsu,bins=256,keep=above` | Otsu threshold, keep below (default) or above |
/// | `mask:otsu2`, `mask:otsu2,bins=256` | two-level Otsu, keep the middle class |
/// | `mask:outliers,k=3` | keep \|z − mean\| ≤ k·rms |
/// | `mask:auto-edges,factor=1.5,radius=4`, `mask:otsu-edges,bins=256`, `mask:hist-edges,low=-1,high=1` | NanoLocz edge masks (edges excluded): Sobel energy, Otsu or histogram perimeter of the σ = 2 smoothed heights |
/// | `weighted-plane:2,2`, `weighted-plane:2,2,compat=pnanolocz` | NanoLocz `level_weighted` plane (MultiPlane): per-region fits averaged by pixel count |
/// | `weighted-median-line`, `weighted-median-line:compat=pnanolocz` | NanoLocz `level_weighted` median line |
/// | `invert-mask`, `grow:2`, `shrink:1`, `min-region:20`, `clear-mask` | mask operations (grow/shrink the excluded regions by pixels; drop excluded regions smaller than N pixels) |
/// | `iterate:max=10,changed=0` … `end` | repeat the steps between them until the mask changes by ≤ `changed` pixels, at most `max` times |
///
/// ```swift
/// let steps = try StepSyntax.parse(["plane:2,2", "mask:gaussian,k=2,keep=below", "plane:2,2", "median-line"])
/// StepSyntax.text(of: steps)      // the canonical text of each step
/// ```
///
/// Errors are ``ScopeKitError/usage(_:)`` naming the step, the argument and the usage line.
///
/// - Complexity: O(length of the text).
public enum StepSyntax {
    /// One kind of step: how it is written and read.
    public struct Kind: Sendable {
        /// The canonical name (`"plane"`).
        public let name: String
        /// Other accepted names.
        public let aliases: [String]
        /// The usage line (`"plane[:X[,Y]][,method=tensor|total|nanolocz]"`).
        public let usage: String
        /// One line saying what the step does.
        public let summary: String
        /// Builds the step from its arguments.
        let parse: @Sendable (inout StepArguments) throws -> LevellingStep
        /// The step's text when this kind writes it (`nil` for other steps).
        let format: @Sendable (LevellingStep) -> String?

        public init(name: String, aliases: [String] = [], usage: String, summary: String,
                    parse: @escaping @Sendable (inout StepArguments) throws -> LevellingStep,
                    format: @escaping @Sendable (LevellingStep) -> String?) {
            self.name = name
            self.aliases = aliases
            self.usage = usage
            self.summary = summary
            self.parse = parse
            self.format = format
        }
    }

    /// Every step kind, in the order help lists them.
    public static let kinds: [Kind] = StepSyntax.builtinKinds

    /// The usage lines of every kind (for `--help`).
    public static var help: String {
        (kinds.map { "  \($0.usage)\n      \($0.summary)" }
            + ["  iterate[:max=N][,changed=C] … end\n      repeat the steps in between until the mask changes by ≤ C pixels (default 0), at most N times (default 10)"])
            .joined(separator: "\n")
    }

    /// Parses one step (not `iterate`/`end`, which need ``parse(_:)-([String])``).
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for an unknown name, a bad or unknown argument.
    public static func parse(_ text: String) throws -> LevellingStep {
        let steps = try parse([text])
        guard steps.count == 1 else { throw ScopeKitError.usage("step '\(text)': expected one step") }
        return steps[0]
    }

    /// Parses a list of steps; `iterate:…` opens a block that `end` closes (blocks nest).
    public static func parse(_ texts: [String]) throws -> [LevellingStep] {
        var stack: [(steps: [LevellingStep], until: Convergence?, text: String)] = [([], nil, "")]
        for raw in texts {
            let text = raw.trimmingSpaces()
            var args = try StepArguments(text)
            switch args.name {
            case "iterate", "repeat":
                let maximum = try args.int("max", at: 0, default: 10)
                let changed = try args.int("changed", at: 1, default: 0)
                try args.finish(usage: "iterate[:max=N][,changed=C]")
                guard maximum >= 1, changed >= 0 else {
                    throw ScopeKitError.usage("step '\(text)': max must be ≥ 1 and changed ≥ 0")
                }
                stack.append(([], Convergence(maximumChangedPixels: changed, maximumIterations: maximum), text))
            case "end":
                try args.finish(usage: "end")
                guard stack.count > 1, let block = stack.popLast(), let until = block.until else {
                    throw ScopeKitError.usage("step 'end' without an open 'iterate'")
                }
                guard !block.steps.isEmpty else { throw ScopeKitError.usage("step '\(block.text)': the block is empty") }
                stack[stack.count - 1].steps.append(.iterate(steps: block.steps, until: until))
            default:
                guard let kind = kind(named: args.name) else {
                    throw ScopeKitError.usage("unknown step '\(args.name)' in '\(text)'; steps: "
                        + (kinds.map(\.name) + ["iterate", "end"]).joined(separator: ", "))
                }
                let step = try kind.parse(&args)
                try args.finish(usage: kind.usage)
                stack[stack.count - 1].steps.append(step)
            }
        }
        guard stack.count == 1 else { throw ScopeKitError.usage("step '\(stack.last!.text)' has no matching 'end'") }
        return stack[0].steps
    }

    /// The kind called `name` (or an alias), case-insensitive.
    public static func kind(named name: String) -> Kind? {
        let n = name.lowercased()
        return kinds.first { $0.name == n || $0.aliases.contains(n) }
    }

    /// The canonical text of `steps` (an `iterate` block becomes `iterate:…`, its steps, `end`).
    /// ``parse(_:)-([String])`` of the result gives `steps` back.
    public static func text(of steps: [LevellingStep]) -> [String] {
        steps.flatMap { step -> [String] in
            if case .iterate(let inner, let until) = step {
                return ["iterate:max=\(until.maximumIterations),changed=\(until.maximumChangedPixels)"]
                    + text(of: inner) + ["end"]
            }
            return [text(of: step)]
        }
    }

    /// The canonical text of one step (`iterate` blocks are joined with spaces).
    public static func text(of step: LevellingStep) -> String {
        if case .iterate = step { return text(of: [step]).joined(separator: " ") }
        for k in kinds { if let t = k.format(step) { return t } }
        return "\(step)"
    }
}

/// The arguments of one step's text, consumed by the kind's parser; ``finish(usage:)`` rejects leftovers.
public struct StepArguments {
    /// The step's name, lower-cased.
    public let name: String
    /// The whole text (for messages).
    public let text: String
    var positional: [String]
    var named: [(key: String, value: String)]
    var usedPositional = 0
    var usedNames: Set<String> = []

    init(_ text: String) throws {
        self.text = text
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        name = parts[0].trimmingSpaces().lowercased()
        guard !name.isEmpty else { throw ScopeKitError.usage("empty step '\(text)'") }
        positional = []
        named = []
        guard parts.count == 2 else { return }
        let body = parts[1].trimmingSpaces()
        guard !body.isEmpty else { throw ScopeKitError.usage("step '\(text)': nothing after ':'") }
        for piece in body.split(separator: ",", omittingEmptySubsequences: false) {
            let p = piece.trimmingSpaces()
            guard !p.isEmpty else { throw ScopeKitError.usage("step '\(text)': empty argument") }
            if let eq = p.firstIndex(of: "=") {
                let key = p[..<eq].trimmingSpaces().lowercased(), value = p[p.index(after: eq)...].trimmingSpaces()
                guard !key.isEmpty, !value.isEmpty else { throw ScopeKitError.usage("step '\(text)': bad argument '\(p)'") }
                guard !named.contains(where: { $0.key == key }) else {
                    throw ScopeKitError.usage("step '\(text)': '\(key)' given twice")
                }
                named.append((key, value))
            } else {
                guard named.isEmpty else {
                    throw ScopeKitError.usage("step '\(text)': positional argument '\(p)' after key=value arguments")
                }
                positional.append(p)
            }
        }
    }

    /// The raw value of argument `key` (named, or positional `position`), or nil.
    public mutating func raw(_ key: String, at position: Int?) throws -> String? {
        let fromName = named.first { $0.key == key }?.value
        var fromPosition: String?
        if let position, position < positional.count {
            fromPosition = positional[position]
            usedPositional = Swift.max(usedPositional, position + 1)
        }
        if fromName != nil { usedNames.insert(key) }
        if fromName != nil && fromPosition != nil {
            throw ScopeKitError.usage("step '\(text)': '\(key)' given both by position and by name")
        }
        return fromName ?? fromPosition
    }

    /// An integer argument.
    public mutating func int(_ key: String, at position: Int? = nil, default value: Int? = nil) throws -> Int {
        guard let s = try raw(key, at: position) else { return try missing(key, value) }
        guard let v = Int(s) else { throw ScopeKitError.usage("step '\(text)': \(key) '\(s)' is not an integer") }
        return v
    }

    /// A finite number argument.
    public mutating func double(_ key: String, at position: Int? = nil, default value: Double? = nil) throws -> Double {
        guard let s = try raw(key, at: position) else { return try missing(key, value) }
        guard let v = Double(s), v.isFinite else { throw ScopeKitError.usage("step '\(text)': \(key) '\(s)' is not a number") }
        return v
    }

    /// An optional number argument (`nil` when absent).
    public mutating func optionalDouble(_ key: String, at position: Int? = nil) throws -> Double? {
        guard try raw(key, at: position) != nil else { return nil }
        return try double(key, at: position)
    }

    /// A yes/no argument (`yes`, `no`, `true`, `false`, `1`, `0`).
    public mutating func bool(_ key: String, at position: Int? = nil, default value: Bool) throws -> Bool {
        try choice(key, at: position, ["yes": true, "true": true, "1": true, "no": false, "false": false, "0": false],
                   default: value)
    }

    /// One of named options.
    public mutating func choice<T>(_ key: String, at position: Int? = nil, _ options: KeyValuePairs<String, T>,
                                   default value: T? = nil) throws -> T {
        guard let s = try raw(key, at: position) else { return try missing(key, value) }
        guard let v = options.first(where: { $0.key == s.lowercased() })?.value else {
            throw ScopeKitError.usage("step '\(text)': \(key) '\(s)' is not one of "
                + options.map(\.key).joined(separator: ", "))
        }
        return v
    }

    /// The positional arguments from `position` on (marks them used).
    public mutating func remaining(from position: Int) -> [String] {
        guard position < positional.count else { return [] }
        usedPositional = positional.count
        return Array(positional[position...])
    }

    private func missing<T>(_ key: String, _ value: T?) throws -> T {
        guard let value else { throw ScopeKitError.usage("step '\(text)': missing \(key)") }
        return value
    }

    /// Throws when an argument was not consumed by the parser.
    public func finish(usage: String) throws {
        if usedPositional < positional.count {
            throw ScopeKitError.usage("step '\(text)': unexpected argument '\(positional[usedPositional])' (usage: \(usage))")
        }
        if let extra = named.first(where: { !usedNames.contains($0.key) }) {
            throw ScopeKitError.usage("step '\(text)': unknown argument '\(extra.key)' (usage: \(usage))")
        }
    }
}

// MARK: - The built-in kinds

extension StepSyntax {
    static let compatibilities: KeyValuePairs<String, NanoLoczCompatibility> =
        ["corrected": .corrected, "pnanolocz": .pnanolocz, "matlab": .matlab]
    static let directions: KeyValuePairs<String, LineDirection> =
        ["rows": .rows, "x": .rows, "columns": .columns, "y": .columns]

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    static func scarUsage(_ name: String) -> String {
        name + "[:preset=gwyddion|topostats][,high=0.666][,low=0.25][,width=4][,length=16][,polarity=positive|negative|both]"
    }

    /// Scar options from `preset=` (Gwyddion's defaults or TopoStats') and the named overrides.
    static func scarOptions(_ a: inout StepArguments, iterations: Bool) throws -> ScarOptions {
        var o = try a.choice("preset", ["gwyddion": ScarOptions(), "topostats": ScarOptions.topoStats],
                             default: ScarOptions())
        o.thresholdHigh = try a.double("high", default: o.thresholdHigh)
        o.thresholdLow = try a.double("low", default: o.thresholdLow)
        o.maximumWidth = try a.int("width", default: o.maximumWidth)
        o.minimumLength = try a.int("length", default: o.minimumLength)
        o.polarity = try a.choice("polarity", ["positive": ScarPolarity.positive, "negative": .negative, "both": .both],
                                  default: o.polarity)
        if iterations { o.iterations = try a.int("iterations", default: o.iterations) }
        guard o.maximumWidth >= 1, o.minimumLength >= 1, o.iterations >= 1, o.thresholdLow.isFinite,
              o.thresholdHigh.isFinite, o.thresholdLow <= o.thresholdHigh else {
            throw ScopeKitError.usage("step '\(a.text)': need width, length, iterations ≥ 1 and finite low ≤ high")
        }
        return o
    }

    /// The text of scar options: only what differs from Gwyddion's defaults.
    static func scarParts(_ o: ScarOptions, iterations: Bool) -> [String] {
        let d = ScarOptions()
        var parts: [String] = []
        if o.thresholdHigh != d.thresholdHigh { parts.append("high=\(number(o.thresholdHigh))") }
        if o.thresholdLow != d.thresholdLow { parts.append("low=\(number(o.thresholdLow))") }
        if o.maximumWidth != d.maximumWidth { parts.append("width=\(o.maximumWidth)") }
        if o.minimumLength != d.minimumLength { parts.append("length=\(o.minimumLength)") }
        if o.polarity != d.polarity { parts.append("polarity=\(o.polarity.rawValue)") }
        if iterations && o.iterations != d.iterations { parts.append("iterations=\(o.iterations)") }
        return parts
    }

    static func suffix(_ parts: [String]) -> String { parts.isEmpty ? "" : ":" + parts.joined(separator: ",") }

    static var builtinKinds: [Kind] {
        [
            Kind(name: "plane", aliases: ["polynomial"],
                 usage: "plane[:X[,Y]][,method=tensor|total|nanolocz]",
                 summary: "polynomial background of orders X (along columns, default 1) and Y (along rows, default X)",
                 parse: { a in
                     let x = try a.int("x", at: 0, default: 1)
                     let y = try a.int("y", at: 1, default: x)
                     let method = try a.choice("method", at: 2, ["tensor": PlaneMethod.leastSquares(.tensor),
                                                                 "total": .leastSquares(.totalDegree),
                                                                 "nanolocz": .nanoLocz], default: .leastSquares(.tensor))
                     return .plane(xOrder: x, yOrder: y, method: method)
                 },
                 format: { s in
                     guard case .plane(let x, let y, let m) = s else { return nil }
                     let method = m == .nanoLocz ? ",method=nanolocz" : m == .leastSquares(.totalDegree) ? ",method=total" : ""
                     return "plane:\(x),\(y)\(method)"
                 }),
            Kind(name: "line", usage: "line[:X[,Y]][,compat=corrected|pnanolocz|matlab]",
                 summary: "NanoLocz per-row polynomial of order X (default 1), then per column of order Y (default 0)",
                 parse: { a in
                     .line(xOrder: try a.int("x", at: 0, default: 1), yOrder: try a.int("y", at: 1, default: 0),
                           compatibility: try a.choice("compat", compatibilities, default: .corrected))
                 },
                 format: { s in
                     guard case .line(let x, let y, let c) = s else { return nil }
                     return "line:\(x),\(y)" + (c == .corrected ? "" : ",compat=\(c.rawValue)")
                 }),
            Kind(name: "median-line", aliases: ["med-line", "medline"],
                 usage: "median-line[:STRENGTH][,dir=rows|columns]",
                 summary: "NanoLocz median line: line − STRENGTH·median(line) + median(frame) (default 1)",
                 parse: { a in
                     .medianLine(direction: try a.choice("dir", at: 1, directions, default: .rows),
                                 strength: try a.double("strength", at: 0, default: 1))
                 },
                 format: { s in
                     guard case .medianLine(let d, let k) = s else { return nil }
                     if d == .rows { return k == 1 ? "median-line" : "median-line:\(number(k))" }
                     return "median-line:\(number(k)),dir=columns"
                 }),
            Kind(name: "smoothed-median-line", aliases: ["smed-line"],
                 usage: "smoothed-median-line[:WINDOW][,compat=corrected|pnanolocz]",
                 summary: "NanoLocz smoothed median line: row medians minus their moving median over WINDOW rows (default 10)",
                 parse: { a in
                     .smoothedMedianLine(window: try a.int("window", at: 0, default: 10),
                                         compatibility: try a.choice("compat", compatibilities, default: .corrected))
                 },
                 format: { s in
                     guard case .smoothedMedianLine(let w, let c) = s else { return nil }
                     return "smoothed-median-line:\(w)" + (c == .corrected ? "" : ",compat=\(c.rawValue)")
                 }),
            Kind(name: "weighted-plane", aliases: ["multi-plane", "multiplane"],
                 usage: "weighted-plane[:X[,Y]][,compat=corrected|pnanolocz|matlab]",
                 summary: "NanoLocz level_weighted plane (MultiPlane): plane fits of orders X, Y (default 2, Y = X) per 8-connected region of used pixels (≥ 1 % of the frame), averaged by pixel count",
                 parse: { a in
                     let x = try a.int("x", at: 0, default: 2)
                     return .weightedPlane(xOrder: x, yOrder: try a.int("y", at: 1, default: x),
                                           compatibility: try a.choice("compat", compatibilities, default: .corrected))
                 },
                 format: { s in
                     guard case .weightedPlane(let x, let y, let c) = s else { return nil }
                     return "weighted-plane:\(x),\(y)" + (c == .corrected ? "" : ",compat=\(c.rawValue)")
                 }),
            Kind(name: "weighted-median-line", aliases: ["weighted-med-line"],
                 usage: "weighted-median-line[:compat=corrected|pnanolocz|matlab]",
                 summary: "NanoLocz level_weighted med_line: per-region row medians averaged per row by pixel count",
                 parse: { a in
                     .weightedMedianLine(compatibility: try a.choice("compat", at: 0, compatibilities, default: .corrected))
                 },
                 format: { s in
                     guard case .weightedMedianLine(let c) = s else { return nil }
                     return "weighted-median-line" + (c == .corrected ? "" : ":compat=\(c.rawValue)")
                 }),
            Kind(name: "mean-plane", usage: "mean-plane", summary: "subtract the mean of the used pixels",
                 parse: { _ in .meanPlane },
                 format: { s in s == .meanPlane ? "mean-plane" : nil }),
            Kind(name: "align-rows", aliases: ["align"],
                 usage: "align-rows[:METHOD[,PARAM]][,dir=rows|columns][,keep-mean=yes|no]",
                 summary: "Gwyddion row alignment; METHOD median (default), mean, quantile,Q, trimmed-mean,F, modus, median-diff, trimmed-mean-diff,F, polynomial,D, matching, facet-tilt",
                 parse: { a in
                     let method = try a.choice("method", at: 0, ["median": "median", "mean": "mean", "quantile": "quantile",
                                                                 "trimmed-mean": "trimmed-mean", "modus": "modus",
                                                                 "median-diff": "median-diff",
                                                                 "median-of-differences": "median-diff",
                                                                 "trimmed-mean-diff": "trimmed-mean-diff",
                                                                 "polynomial": "polynomial", "matching": "matching",
                                                                 "facet-tilt": "facet-tilt"], default: "median")
                     let alignment: RowAlignment
                     switch method {
                     case "mean": alignment = .mean
                     case "quantile": alignment = .quantile(try a.double("q", at: 1, default: 0.5))
                     case "trimmed-mean": alignment = .trimmedMean(try a.double("fraction", at: 1, default: 0.05))
                     case "modus": alignment = .modus
                     case "median-diff": alignment = .medianOfDifferences
                     case "trimmed-mean-diff": alignment = .trimmedMeanOfDifferences(try a.double("fraction", at: 1, default: 0.05))
                     case "polynomial": alignment = .polynomial(degree: try a.int("degree", at: 1, default: 1))
                     case "matching": alignment = .matching
                     case "facet-tilt": alignment = .facetTilt
                     default: alignment = .median
                     }
                     return .alignRows(alignment, direction: try a.choice("dir", directions, default: .rows),
                                       keepMean: try a.bool("keep-mean", default: true))
                 },
                 format: { s in
                     guard case .alignRows(let m, let d, let keep) = s else { return nil }
                     var parts: [String]
                     switch m {
                     case .median: parts = ["median"]
                     case .mean: parts = ["mean"]
                     case .quantile(let q): parts = ["quantile", number(q)]
                     case .trimmedMean(let f): parts = ["trimmed-mean", number(f)]
                     case .modus: parts = ["modus"]
                     case .medianOfDifferences: parts = ["median-diff"]
                     case .trimmedMeanOfDifferences(let f): parts = ["trimmed-mean-diff", number(f)]
                     case .polynomial(let k): parts = ["polynomial", String(k)]
                     case .matching: parts = ["matching"]
                     case .facetTilt: parts = ["facet-tilt"]
                     }
                     if d == .columns { parts.append("dir=columns") }
                     if !keep { parts.append("keep-mean=no") }
                     return "align-rows" + suffix(parts)
                 }),
            Kind(name: "scars", aliases: ["remove-scars"],
                 usage: scarUsage("scars") + "[,iterations=1]",
                 summary: "Gwyddion remove scars: streaks along the rows replaced by interpolation between the rows above and below (topostats: preset=topostats)",
                 parse: { a in .removeScars(try scarOptions(&a, iterations: true)) },
                 format: { s in
                     guard case .removeScars(let o) = s else { return nil }
                     return "scars" + suffix(scarParts(o, iterations: true))
                 }),
            Kind(name: "scars-mask", aliases: ["mark-scars"],
                 usage: scarUsage("scars-mask"),
                 summary: "Gwyddion mark scars: the mask becomes the non-scar pixels",
                 parse: { a in .markScars(try scarOptions(&a, iterations: false)) },
                 format: { s in
                     guard case .markScars(let o) = s else { return nil }
                     return "scars-mask" + suffix(scarParts(o, iterations: false))
                 }),
            Kind(name: "lineshift", aliases: ["line-shift"],
                 usage: "lineshift[:PIXELS][,max=8]",
                 summary: "NanoLocz trace/retrace line shift: odd rows moved by PIXELS columns, or by the best shift within ±max",
                 parse: { a in
                     let pixels: Int? = try a.optionalDouble("pixels", at: 0).map { v in
                         guard v == v.rounded(), abs(v) < 1e6 else {
                             throw ScopeKitError.usage("step '\(a.text)': pixels must be a whole number")
                         }
                         return Int(v)
                     }
                     let maximum = try a.int("max", default: 8)
                     guard maximum >= 0 else { throw ScopeKitError.usage("step '\(a.text)': max must be ≥ 0") }
                     return .lineShift(pixels: pixels, maximum: maximum)
                 },
                 format: { s in
                     guard case .lineShift(let p, let m) = s else { return nil }
                     var parts: [String] = []
                     if let p { parts.append(String(p)) }
                     if m != 8 { parts.append("max=\(m)") }
                     return "lineshift" + suffix(parts)
                 }),
            Kind(name: "creep", aliases: ["log-y"],
                 usage: "creep[:SCALE][,orient=auto|normal|reverse]",
                 summary: "NanoLocz log_y creep correction: a·log(c·t + b) fitted to the row means and subtracted",
                 parse: { a in
                     .creep(scale: try a.double("scale", at: 0, default: 1),
                            orientation: try a.choice("orient", ["auto": CreepOrientation.auto, "normal": .normal,
                                                                  "reverse": .reverse], default: .auto))
                 },
                 format: { s in
                     guard case .creep(let scale, let o) = s else { return nil }
                     var parts: [String] = []
                     if scale != 1 { parts.append(number(scale)) }
                     if o != .auto { parts.append("orient=\(o.rawValue)") }
                     return "creep" + suffix(parts)
                 }),
            Kind(name: "anisotropy-gate", aliases: ["gate"],
                 usage: "anisotropy-gate[:matlab|pnanolocz|FACTOR,STRENGTH[,FACTOR,STRENGTH…]]",
                 summary: "NanoLocz gate: unmasked median line of STRENGTH when std(row means) > FACTOR·std(column means)",
                 parse: { a in
                     let values = a.remaining(from: 0)
                     if values.isEmpty { return .anisotropyGate(AnisotropyGate.matlab) }
                     if values.count == 1, let preset = ["matlab": AnisotropyGate.matlab,
                                                         "pnanolocz": AnisotropyGate.pnanolocz][values[0].lowercased()] {
                         return .anisotropyGate(preset)
                     }
                     let numbers = values.compactMap(Double.init)
                     guard numbers.count == values.count, numbers.count % 2 == 0 else {
                         throw ScopeKitError.usage("step '\(a.text)': give matlab, pnanolocz or FACTOR,STRENGTH pairs")
                     }
                     return .anisotropyGate(stride(from: 0, to: numbers.count, by: 2).map {
                         AnisotropyGate(factor: numbers[$0], strength: numbers[$0 + 1])
                     })
                 },
                 format: { s in
                     guard case .anisotropyGate(let gates) = s else { return nil }
                     if gates == AnisotropyGate.matlab { return "anisotropy-gate" }
                     if gates == AnisotropyGate.pnanolocz { return "anisotropy-gate:pnanolocz" }
                     return "anisotropy-gate" + suffix(gates.flatMap { [number($0.factor), number($0.strength)] })
                 }),
            Kind(name: "mask",
                 usage: "mask:range[,low=L][,high=H] | mask:gaussian[,k=1.5][,width=sigma|nanolocz][,keep=band|above|below][,scope=frame|movie][,bins=100] | mask:otsu[,bins=256][,keep=below|above] | mask:otsu2[,bins=256] | mask:outliers[,k=3] | mask:auto-edges[,factor=1.5][,radius=4] | mask:otsu-edges[,bins=256] | mask:hist-edges,low=L,high=H",
                 summary: "compute the mask (true = used for the fits) from the current heights",
                 parse: { a in .mask(try maskRule(&a)) },
                 format: { s in
                     guard case .mask(let rule) = s else { return nil }
                     return "mask:" + maskText(rule)
                 }),
            Kind(name: "invert-mask", aliases: ["invert"], usage: "invert-mask", summary: "swap used and excluded pixels",
                 parse: { _ in .invertMask }, format: { s in s == .invertMask ? "invert-mask" : nil }),
            Kind(name: "grow", aliases: ["grow-excluded"], usage: "grow:PIXELS",
                 summary: "grow the excluded regions by PIXELS (a (2P+1)² square)",
                 parse: { a in .growExcluded(pixels: try a.int("pixels", at: 0)) },
                 format: { s in if case .growExcluded(let p) = s { return "grow:\(p)" }; return nil }),
            Kind(name: "shrink", aliases: ["shrink-excluded"], usage: "shrink:PIXELS",
                 summary: "shrink the excluded regions by PIXELS",
                 parse: { a in .shrinkExcluded(pixels: try a.int("pixels", at: 0)) },
                 format: { s in if case .shrinkExcluded(let p) = s { return "shrink:\(p)" }; return nil }),
            Kind(name: "min-region", aliases: ["remove-small"], usage: "min-region:PIXELS",
                 summary: "return 8-connected excluded regions smaller than PIXELS to use",
                 parse: { a in .removeSmallExcludedRegions(minimumPixels: try a.int("pixels", at: 0)) },
                 format: { s in
                     if case .removeSmallExcludedRegions(let p) = s { return "min-region:\(p)" }
                     return nil
                 }),
            Kind(name: "clear-mask", usage: "clear-mask", summary: "forget the computed mask (back to the given mask or all pixels)",
                 parse: { _ in .clearMask }, format: { s in s == .clearMask ? "clear-mask" : nil }),
        ]
    }

    static func maskRule(_ a: inout StepArguments) throws -> MaskRule {
        let kind = try a.choice("rule", at: 0, ["range": "range", "histogram": "range", "gaussian": "gaussian",
                                                "fit": "gaussian", "otsu": "otsu", "otsu2": "otsu2",
                                                "two-level-otsu": "otsu2", "outliers": "outliers",
                                                "auto-edges": "auto-edges", "otsu-edges": "otsu-edges",
                                                "hist-edges": "hist-edges", "histogram-edges": "hist-edges"])
        switch kind {
        case "range":
            let low = try a.optionalDouble("low", at: 1), high = try a.optionalDouble("high", at: 2)
            guard low != nil || high != nil else { throw ScopeKitError.usage("step '\(a.text)': give low=… and/or high=…") }
            return .range(low: low, high: high)
        case "gaussian":
            return .gaussian(multiplier: try a.double("k", default: 1.5),
                             width: try a.choice("width", ["sigma": .sigma, "nanolocz": .nanoLocz, "c1": .nanoLocz],
                                                 default: .sigma),
                             keep: try a.choice("keep", ["band": .band, "above": .aboveLower, "below": .belowUpper,
                                                         "holes": .aboveLower, "peaks": .belowUpper], default: .band),
                             scope: try a.choice("scope", ["frame": .perFrame, "movie": .wholeMovie], default: .perFrame),
                             bins: try a.int("bins", default: 100))
        case "otsu":
            return .otsu(bins: try a.int("bins", default: 256),
                         keepAbove: try a.choice("keep", ["below": false, "above": true], default: false))
        case "otsu2":
            return .otsuTwoLevel(bins: try a.int("bins", default: 256))
        case "auto-edges":
            return .autoEdges(factor: try a.double("factor", default: 1.5), radius: try a.int("radius", default: 4))
        case "otsu-edges":
            return .otsuEdges(bins: try a.int("bins", default: 256))
        case "hist-edges":
            guard let low = try a.optionalDouble("low", at: 1), let high = try a.optionalDouble("high", at: 2) else {
                throw ScopeKitError.usage("step '\(a.text)': give low=… and high=…")
            }
            return .histogramEdges(low: low, high: high)
        default:
            return .outliers(k: try a.double("k", default: 3))
        }
    }

    static func maskText(_ rule: MaskRule) -> String {
        switch rule {
        case .range(let low, let high):
            return "range" + (low.map { ",low=\(number($0))" } ?? "") + (high.map { ",high=\(number($0))" } ?? "")
        case .gaussian(let k, let width, let keep, let scope, let bins):
            let keepText = keep == .band ? "band" : keep == .aboveLower ? "above" : "below"
            return "gaussian,k=\(number(k)),width=\(width == .sigma ? "sigma" : "nanolocz"),keep=\(keepText),"
                + "scope=\(scope == .perFrame ? "frame" : "movie"),bins=\(bins)"
        case .otsu(let bins, let above): return "otsu,bins=\(bins),keep=\(above ? "above" : "below")"
        case .otsuTwoLevel(let bins): return "otsu2,bins=\(bins)"
        case .outliers(let k): return "outliers,k=\(number(k))"
        case .autoEdges(let factor, let radius): return "auto-edges,factor=\(number(factor)),radius=\(radius)"
        case .otsuEdges(let bins): return "otsu-edges,bins=\(bins)"
        case .histogramEdges(let low, let high): return "hist-edges,low=\(number(low)),high=\(number(high))"
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
