import Foundation
import ScopeKitCore

/// The per-frame records of a levelling run as tables (CSV) and JSON, as `scopekit level --coefficients` and
/// `--shifts` write them.
///
/// ```swift
/// let csv = LevellingRecordTables.coefficientsCSV(records)
/// // frame,step,operation,quantity,value
/// // 0,0,"plane:2,2",offset,1.25
/// // 0,0,"plane:2,2",x1y0,0.031
/// ```
public enum LevellingRecordTables {
    /// One row per frame, step and quantity: `offset`, the plane coefficients (`x{i}y{j}`: the coefficient of
    /// `u^i v^j`, see ``LevellingStepRecord``), `used_pixels` of mask steps, the per-row coefficients of `line`
    /// steps (`row{r}.x{k}`: the coefficient of `u^k` in row r's curve; `column{c}.y{k}` for its column
    /// stage); and per frame one
    /// `skipped_fits` row (step −1, operation empty). Numbers with 17 significant digits.
    public static func coefficientsCSV(_ records: [LevellingFrameRecord]) -> String {
        var out = "frame,step,operation,quantity,value\n"
        for r in records {
            out += "\(r.frame),-1,,skipped_fits,\(r.skippedFits)\n"
            for s in r.steps {
                let head = "\(r.frame),\(s.step),\(csvField(s.operation)),"
                if let o = s.offset { out += head + "offset,\(number(o))\n" }
                if let terms = s.terms, let c = s.coefficients {
                    for (t, v) in zip(terms, c) { out += head + "\(t),\(number(v))\n" }
                }
                if let u = s.usedPixels { out += head + "used_pixels,\(u)\n" }
                for (l, c) in (s.lineCoefficients ?? []).enumerated() {
                    for (k, v) in c.enumerated() { out += head + "row\(l).x\(k),\(number(v))\n" }
                }
                for (l, c) in (s.columnCoefficients ?? []).enumerated() {
                    for (k, v) in c.enumerated() { out += head + "column\(l).y\(k),\(number(v))\n" }
                }
            }
        }
        return out
    }

    /// One row per frame, line step and line: the mean subtracted along row (or column) `line`.
    public static func shiftsCSV(_ records: [LevellingFrameRecord]) -> String {
        var out = "frame,step,operation,direction,line,shift\n"
        for r in records {
            for s in r.steps {
                guard let shifts = s.lineShifts else { continue }
                let head = "\(r.frame),\(s.step),\(csvField(s.operation)),\((s.direction ?? .rows).rawValue),"
                for (l, v) in shifts.enumerated() { out += head + "\(l),\(number(v))\n" }
            }
        }
        return out
    }

    /// The records as pretty JSON; `shifts: false` leaves the line shifts out, `coefficients: false` the
    /// offsets, coefficients and mask sizes.
    public static func json(_ records: [LevellingFrameRecord], coefficients: Bool = true, shifts: Bool = true) throws -> String {
        let filtered = records.map { r -> LevellingFrameRecord in
            var r = r
            r.steps = r.steps.compactMap { s in
                var s = s
                if !shifts { s.lineShifts = nil; s.direction = nil }
                if !coefficients {
                    s.offset = nil; s.terms = nil; s.coefficients = nil; s.usedPixels = nil
                    s.lineCoefficients = nil; s.columnCoefficients = nil
                }
                let empty = s.offset == nil && s.coefficients == nil && s.lineShifts == nil && s.usedPixels == nil
                    && s.lineCoefficients == nil && s.columnCoefficients == nil
                return empty ? nil : s
            }
            return r
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(filtered), as: UTF8.self)
    }

    static func number(_ v: Double) -> String {
        v.isFinite ? String(format: "%.17g", v) : (v.isNaN ? "nan" : v > 0 ? "inf" : "-inf")
    }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
