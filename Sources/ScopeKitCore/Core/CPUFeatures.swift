import Foundation
#if canImport(Darwin)
import Darwin
#endif

/// The vector instruction sets a kernel may be run with, chosen at run time.
public enum SIMDLevel: Sendable, Equatable {
    /// Baseline code of the build target (SSE2 on x86-64, NEON on arm64).
    case baseline
    /// x86-64 AVX2 + FMA code (the `ScopeKitFlatFieldAVX2` kernels, compiled for `-target-cpu haswell`).
    case avx2
}

/// What the processor running ScopeKit supports, read once, and which ``SIMDLevel`` the run-time dispatching
/// kernels use.
///
/// The level is ``SIMDLevel/avx2`` when the CPU and OS support AVX2 and FMA (Linux: the `avx2` and `fma` flags of
/// `/proc/cpuinfo`, which the kernel clears when it does not save the YMM state; Darwin: the `hw.optional.avx2_0`
/// and `hw.optional.fma` sysctls), unless the environment variable `SCOPEKIT_SIMD=baseline` or
/// ``override`` says otherwise. Every level computes the same bits (the kernels use no fused multiply-add and
/// reduce in a fixed lane order), so the choice only changes speed.
///
/// ```swift
/// if CPUFeatures.level == .avx2 { … }            // dispatch
/// CPUFeatures.override = .baseline               // tests: force the portable kernels
/// ```
///
/// - Complexity: O(1) after the first use (which reads `/proc/cpuinfo` on Linux).
public enum CPUFeatures {
    /// Whether this CPU (and OS) runs AVX2 and FMA instructions.
    public static let hasAVX2FMA: Bool = detectAVX2FMA()

    /// The level the environment allows: `SCOPEKIT_SIMD=baseline` forces ``SIMDLevel/baseline``.
    public static let environmentLevel: SIMDLevel = {
        guard hasAVX2FMA else { return .baseline }
        let value = ProcessInfo.processInfo.environment["SCOPEKIT_SIMD"]?.lowercased()
        return value == "baseline" ? .baseline : .avx2
    }()

    private static let overrideBox = LockedValue<SIMDLevel?>(nil)

    /// A library-level choice that replaces the detected level (`nil`: detected); a level the CPU lacks is
    /// ignored (``level`` is then ``SIMDLevel/baseline``).
    public static var override: SIMDLevel? {
        get { overrideBox.value }
        set { overrideBox.value = newValue }
    }

    /// The level the dispatching kernels use now.
    public static var level: SIMDLevel {
        if let o = override { return o == .avx2 && hasAVX2FMA ? .avx2 : .baseline }
        return environmentLevel
    }

    /// Reads the CPU features (no inline assembly: the OS's view, which also covers OS support of YMM state).
    static func detectAVX2FMA() -> Bool {
        #if arch(x86_64)
        #if canImport(Darwin)
        func flag(_ name: String) -> Bool {
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            return sysctlbyname(name, &value, &size, nil, 0) == 0 && value != 0
        }
        return flag("hw.optional.avx2_0") && flag("hw.optional.fma")
        #else
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
            return flags.contains("avx2") && flags.contains("fma")
        }
        return false
        #endif
        #else
        return false
        #endif
    }
}

/// A value behind a lock (for the rarely written process-wide settings).
final class LockedValue<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T

    init(_ value: T) { stored = value }

    var value: T {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
