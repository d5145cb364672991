import Foundation
import ScopeKitCore
import ScopeKitRender
import Testing

@Suite("Colormaps")
struct ColormapTests {
    @Test("sampled colours equal round(255 · matplotlib cmap(x))", arguments: Colormap.names)
    func matchesMatplotlib(_ name: String) throws {
        let fixture = try Fixture.json("colormaps.json")
        let xs = Fixture.doubles(fixture["x"])
        let expected = (fixture["maps"] as! [String: Any])[name] as! [[Int]]
        let map = try Colormap(named: name)
        #expect(map.name == name)
        for (x, rgb) in zip(xs, expected) {
            let c = map.color(at: x)
            #expect([Int(c.red), Int(c.green), Int(c.blue)] == rgb, "\(name)(\(x))")
        }
    }

    @Test("well-known end points and the gray ramp")
    func knownColours() throws {
        #expect(Colormap.viridis.color(at: 0) == RGBAColor(0x44, 0x01, 0x54))
        #expect(Colormap.viridis.color(at: 1) == RGBAColor(0xFD, 0xE7, 0x25))
        #expect(Colormap.magma.color(at: 0) == RGBAColor(0, 0, 4))
        #expect(Colormap.inferno.color(at: 1) == RGBAColor(252, 255, 164))
        for i in 0..<256 { #expect(Colormap.gray[i] == RGBAColor(UInt8(i), UInt8(i), UInt8(i))) }
        // RdBu_r: blue at the bottom, red at the top, near-white in the middle.
        let lo = Colormap.redBlueReversed.color(at: 0), hi = Colormap.redBlueReversed.color(at: 1)
        let mid = Colormap.redBlueReversed.color(at: 0.5)
        #expect(lo.blue > lo.red && hi.red > hi.blue && min(mid.red, mid.green, mid.blue) >= 240)
    }

    @Test("quantisation rule min(⌊256 v⌋, 255)")
    func levels() {
        #expect(Colormap.level(of: 0) == 0)
        #expect(Colormap.level(of: 1.0 / 256) == 1)
        #expect(Colormap.level(of: 1.0 / 256 - 1e-12) == 0)
        #expect(Colormap.level(of: 0.5) == 128)
        #expect(Colormap.level(of: 0.999) == 255)
        #expect(Colormap.level(of: 1) == 255)
        #expect(Colormap.level(of: 7) == 255 && Colormap.level(of: -1) == 0 && Colormap.level(of: .nan) == 0)
    }

    @Test("lookup by name: aliases, reversed maps, unknown names")
    func lookup() throws {
        #expect(try Colormap(named: "Grey") == Colormap.gray)
        #expect(try Colormap(named: "VIRIDIS") == Colormap.viridis)
        let reversed = try Colormap(named: "viridis_r")
        #expect(reversed.name == "viridis_r")
        #expect(reversed[0] == Colormap.viridis[255] && reversed[255] == Colormap.viridis[0])
        let rdbu = try Colormap(named: "RdBu")
        #expect(rdbu.name == "RdBu" && rdbu[10] == Colormap.redBlueReversed[245])
        #expect(Colormap.names == ["gray", "viridis", "magma", "inferno", "plasma", "cividis", "RdBu_r"])
        let error = #expect(throws: ScopeKitError.self) { try Colormap(named: "jet") }
        #expect(error?.kind == .usage && error?.reason.contains("viridis") == true)
        #expect(throws: ScopeKitError.self) { try Colormap(name: "short", table: [0, 0, 0]) }
    }
}
