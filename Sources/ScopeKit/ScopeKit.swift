// The umbrella module: `import ScopeKit` gives the whole library.
@_exported import ScopeKitCore
@_exported import ScopeKitIO
@_exported import ScopeKitFourier
@_exported import ScopeKitRender
@_exported import ScopeKitZSpacing
@_exported import ScopeKitLevelling
@_exported import ScopeKitFlatField
