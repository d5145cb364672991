import RealModule

/// A small, fast, seedable random number generator (SplitMix64), the same on every platform.
///
/// ScopeKit takes a seed for every random choice (plane sampling, synthetic data); the default seeds are
/// fixed, so runs are reproducible.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let u = Double.random(in: 0..<1, using: &rng)
/// let g = rng.nextGaussian()          // standard normal
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits (SplitMix64, Steele et al. 2014).
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal sample (Box–Muller; one of the pair is discarded to keep the state simple).
    @inlinable
    public mutating func nextGaussian() -> Double {
        let u1 = Swift.max(nextUniform(), 0x1.0p-60)
        let u2 = nextUniform()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * .pi * u2)
    }
}

@usableFromInline func _log(_ x: Double) -> Double { Double.log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Double.cos(x) }
