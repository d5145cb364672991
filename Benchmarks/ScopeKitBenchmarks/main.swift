import ScopeKit
print("bench")
