// swift-tools-version:6.2
import PackageDescription

/// Release-mode flags shared by every ScopeKit target: hot loops are checked in debug, unchecked in release.
/// (Tools version 6.2 or later is what lets another package depend on ScopeKit by version despite these
/// `unsafeFlags`: SwiftPM 6.2 accepts them from dependencies whose manifest declares 6.2 or newer.)
let optimized: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

/// The AVX2 + FMA kernel module is compiled for Haswell-class x86-64 (`x86-64-v3` is rejected by the clang importer)
/// and chosen at run time (`CPUFeatures`); on other hosts it gets the default code generation and is never chosen.
/// (The manifest is compiled for the host, so `arch` is the host's.)
#if arch(x86_64)
let avx2: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let avx2: [SwiftSetting] = []
#endif

let package = Package(
    name: "ScopeKit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ScopeKit", targets: ["ScopeKit"]),
        .executable(name: "scopekit", targets: ["scopekit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // zlib (the only system library ScopeKit links): Deflate for TIFF, PNG and NPZ.
        .systemLibrary(name: "CScopeZlib", path: "Sources/CScopeZlib"),

        // Array core, element types, calibration, masks, parallel loops, statistics, dtype conversion.
        .target(
            name: "ScopeKitCore",
            dependencies: [
                .product(name: "Numerics", package: "swift-numerics"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: optimized),
        // File formats: registry, TIFF, NPY/NPZ, PNG, compression codecs, atomic output.
        .target(
            name: "ScopeKitIO",
            dependencies: ["ScopeKitCore", "CScopeZlib"],
            swiftSettings: optimized),
        // FFT, DCT, FFT-based convolution and correlation.
        .target(
            name: "ScopeKitFourier",
            dependencies: ["ScopeKitCore", .product(name: "Numerics", package: "swift-numerics")],
            swiftSettings: optimized),
        // Intensity mappings, colormaps, colour and scale bars.
        .target(
            name: "ScopeKitRender",
            dependencies: ["ScopeKitCore", "ScopeKitIO"],
            swiftSettings: optimized),
        // Z-spacing correction of serial-section stacks (Hanslovsky, Bogovic, Saalfeld).
        .target(
            name: "ScopeKitZSpacing",
            dependencies: ["ScopeKitCore", "ScopeKitIO"],
            swiftSettings: optimized),
        // Levelling hot kernels (Gaussian smoothing, histogram bins) as @inline(__always) functions, so each caller
        // instantiates them with its own code generation.
        .target(
            name: "ScopeKitLevellingKernels",
            dependencies: ["ScopeKitCore"],
            swiftSettings: optimized),
        // The same kernels compiled for AVX2 + FMA (x86-64), chosen at run time by ScopeKitLevelling.
        .target(
            name: "ScopeKitLevellingAVX2",
            dependencies: ["ScopeKitLevellingKernels"],
            swiftSettings: optimized + avx2),
        // AFM/SPM levelling (NanoLocz, Gwyddion) and AFM file formats.
        .target(
            name: "ScopeKitLevelling",
            dependencies: ["ScopeKitCore", "ScopeKitIO", "ScopeKitLevellingKernels", "ScopeKitLevellingAVX2"],
            swiftSettings: optimized),
        // Flat-field hot kernels (LADMAP sweep, resize row pass, uint16 apply) as @inline(__always) functions, so
        // each caller instantiates them with its own code generation.
        .target(
            name: "ScopeKitFlatFieldKernels",
            dependencies: ["ScopeKitCore"],
            swiftSettings: optimized),
        // The same kernels compiled for AVX2 + FMA (x86-64), chosen at run time by ScopeKitFlatField.
        .target(
            name: "ScopeKitFlatFieldAVX2",
            dependencies: ["ScopeKitFlatFieldKernels"],
            swiftSettings: optimized + avx2),
        // Flat-field (shading) correction: measured profiles, empty regions, the BaSiC model.
        .target(
            name: "ScopeKitFlatField",
            dependencies: ["ScopeKitCore", "ScopeKitIO", "ScopeKitFourier", "ScopeKitRender",
                           "ScopeKitFlatFieldKernels", "ScopeKitFlatFieldAVX2"],
            swiftSettings: optimized),
        // The public umbrella (`import ScopeKit`) and the demo jobs.
        .target(
            name: "ScopeKit",
            dependencies: ["ScopeKitCore", "ScopeKitIO", "ScopeKitFourier", "ScopeKitRender", "ScopeKitZSpacing",
                           "ScopeKitLevelling", "ScopeKitFlatField"],
            swiftSettings: optimized),
        // The command-line tool: a thin layer over the library.
        .executableTarget(
            name: "scopekit",
            dependencies: ["ScopeKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimized),
        // Release-mode benchmarks (run by Scripts/bench-vs-python.sh, not by the tests).
        .executableTarget(
            name: "ScopeKitBenchmarks",
            dependencies: ["ScopeKit"],
            path: "Benchmarks/ScopeKitBenchmarks",
            swiftSettings: optimized + [.swiftLanguageMode(.v5)]),

        // Test-only: where the tests find fixtures and the shared corpus (not part of any product).
        .target(name: "ScopeKitTestSupport", path: "Tests/ScopeKitTestSupport"),
        .testTarget(name: "ScopeKitCoreTests", dependencies: ["ScopeKitCore", "ScopeKitTestSupport"]),
        .testTarget(name: "ScopeKitIOTests", dependencies: ["ScopeKitIO", "ScopeKitTestSupport"]),
        .testTarget(name: "ScopeKitFourierTests", dependencies: ["ScopeKitFourier", "ScopeKitTestSupport"]),
        .testTarget(name: "ScopeKitRenderTests", dependencies: ["ScopeKitRender", "ScopeKitTestSupport"]),
        .testTarget(name: "ScopeKitZSpacingTests", dependencies: ["ScopeKitZSpacing", "ScopeKitTestSupport"]),
        .testTarget(name: "ScopeKitLevellingTests",
                    dependencies: ["ScopeKitLevelling", "ScopeKitLevellingKernels", "ScopeKitLevellingAVX2",
                                   "ScopeKitTestSupport"]),
        .testTarget(name: "ScopeKitFlatFieldTests",
                    dependencies: ["ScopeKitFlatField", "ScopeKitFlatFieldKernels", "ScopeKitFlatFieldAVX2",
                                   "ScopeKitTestSupport"]),
        .testTarget(name: "ScopeKitCLITests", dependencies: ["ScopeKit", "scopekit", "ScopeKitTestSupport"]),
    ]
)
