import ScopeKit
print("scopekit")
