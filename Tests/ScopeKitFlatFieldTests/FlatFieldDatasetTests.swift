import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitFlatField

@Suite("Flat-field datasets: grids, tile configurations, channels")
struct FlatFieldDatasetTests {
    @Test("inverted-N numbering: down the first column, then the next")
    func invertedN() throws {
        let g = try TileGrid(rows: 3, columns: 4)
        #expect(g.number(row: 0, column: 0) == 1)
        #expect(g.number(row: 2, column: 0) == 3)
        #expect(g.number(row: 0, column: 1) == 4)
        #expect(g.number(row: 2, column: 3) == 12)
        #expect(g.position(of: 5) == (1, 1))
        #expect(g.corners == [1, 3, 10, 12])
        #expect(try TileGrid(rows: 1, columns: 1).corners == [1])
        #expect(try TileGrid(parsing: "7x9") == TileGrid(rows: 7, columns: 9))
        #expect(throws: ScopeKitError.self) { try TileGrid(parsing: "7by9") }
        #expect(throws: ScopeKitError.self) { try TileGrid(rows: 0, columns: 3) }
    }

    @Test("TileConfiguration: positions snap to a grid, tiles numbered column-major")
    func tileConfiguration() throws {
        let text = """
            # Define the number of dimensions we are working on
            dim = 2
            b.tif; ; (460.0, 0.0)
            a.tif; ; (0.0, 0.0)
            d.tif; ; (462.5, 455.0)
            c.tif; ; (3.0, 460.0)
            e.tif; ; (920.0, 2.0)
            f.tif; ; (921.0, 461.0)
            """
        let config = try TileConfiguration(text: text)
        let (grid, order) = try config.arranged(tolerance: 128)
        #expect(grid == (try TileGrid(rows: 2, columns: 3)))
        #expect(order.map { config.entries[$0].file } == ["a.tif", "c.tif", "b.tif", "d.tif", "e.tif", "f.tif"])
        #expect(throws: ScopeKitError.self) { try TileConfiguration(text: "a.tif; (1, x)") }
        #expect(throws: ScopeKitError.self) { try TileConfiguration(text: "# nothing") }
        // Rows of different lengths are no grid.
        let ragged = try TileConfiguration(text: "a; ; (0, 0)\nb; ; (460, 0)\nc; ; (0, 460)")
        #expect(throws: ScopeKitError.self) { try ragged.arranged(tolerance: 128) }
    }

    @Test("corpus WSI_brain: the 54 configured tiles on a 6×9 grid from TileConfiguration (nominal and registered)")
    func corpusTileConfiguration() throws {
        guard let corpus = BaSiCFixtures.corpus else { return }
        let folder = corpus.appendingPathComponent("WSI_brain")
        for name in ["TileConfiguration.txt", "TileConfiguration.registered.txt"] {
            let data = try FlatFieldDataset(folder: folder, channels: .pattern("^(C[0-9]+)-"),
                                            tileConfiguration: folder.appendingPathComponent(name))
            #expect(data.grid == (try TileGrid(rows: 6, columns: 9)))
            let c = data.channels[0]
            #expect(c.label == "C3")
            #expect(c.tiles.count == 54)
            #expect(c.planeShape == [512, 512])
            // The first configuration row lists 0009 … 0001 left to right: tile 1 (top-left) is 0009, tile 7
            // (row 1, column 2) is 0008, tile 2 (row 2, column 1) is 0010.
            #expect(c.tiles[0].url.lastPathComponent == "C3-BrainSection0009.tif")
            #expect(c.tiles[6].url.lastPathComponent == "C3-BrainSection0008.tif")
            #expect(c.tiles[48].url.lastPathComponent == "C3-BrainSection0001.tif")
            #expect(c.tiles[1].url.lastPathComponent == "C3-BrainSection0010.tif")
        }
    }

    @Test("folders: name order, channel sub-folders, name patterns, explicit lists, grid check")
    func folders() throws {
        let root = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        for ch in ["488", "561"] {
            let sub = root.appendingPathComponent(ch)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            _ = try FlatFieldSamples.writeTiles(in: sub, count: 4, rows: 8, cols: 8)
        }
        let data = try FlatFieldDataset(folder: root, grid: TileGrid(rows: 2, columns: 2))
        #expect(data.channels.map(\.label) == ["488", "561"])
        #expect(data.channels[1].tiles.map(\.name) == ["tile_001", "tile_002", "tile_003", "tile_004"])
        #expect(try FlatFieldDataset(folder: root, only: ["561"]).channels.map(\.label) == ["561"])
        #expect(throws: ScopeKitError.self) { try FlatFieldDataset(folder: root, only: ["640"]) }
        #expect(throws: ScopeKitError.self) { try FlatFieldDataset(folder: root, grid: TileGrid(rows: 3, columns: 2)) }

        let flatFolder = root.appendingPathComponent("488")
        let pattern = try FlatFieldDataset(folder: flatFolder, channels: .pattern("tile_00([12])"))
        #expect(pattern.channels.map(\.label) == ["1", "2"])
        #expect(throws: ScopeKitError.self) { try FlatFieldDataset(folder: flatFolder, channels: .pattern("tile")) }
        let urls = (1...4).reversed().map { flatFolder.appendingPathComponent(String(format: "tile_%03d.npy", $0)) }
        let listed = try FlatFieldDataset(files: urls, label: "488")
        #expect(listed.channels[0].tiles[0].name == "tile_004")
        #expect(listed.channels[0].tiles[3].number == 4)
    }

    @Test("tiles of different shapes are refused with the file named")
    func differentShapes() throws {
        let root = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try FlatFieldSamples.writeTiles(in: root, count: 2, rows: 8, cols: 8)
        try NPY.write(AnyArray(NDArray<UInt16>(repeating: 1, shape: [8, 9])), to: root.appendingPathComponent("tile_003.npy"))
        #expect { try FlatFieldDataset(folder: root) } throws: { e in
            (e as? ScopeKitError)?.reason.contains("different shapes") == true
                && (e as? ScopeKitError)?.file?.hasSuffix("tile_003.npy") == true
        }
    }

    @Test("stack files: 3-D NPY as 2-D tiles or z-stacks of N planes; hyperstack channels")
    func stackFiles() throws {
        let root = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let values = (0..<(6 * 4 * 5)).map { UInt16($0) }
        let url = root.appendingPathComponent("all.npy")
        try NPY.write(AnyArray(NDArray(values, shape: [6, 4, 5])), to: url)
        let flat = try FlatFieldDataset(stack: url)
        #expect(flat.channels[0].tiles.count == 6)
        #expect(flat.channels[0].tiles[0].isStack == false)
        let cut = try FlatFieldDataset(stack: url, planesPerTile: 3)
        #expect(cut.channels[0].tiles.count == 2)
        let plane = try cut.channels[0].tiles[1].open().readPlane(1)
        #expect(plane.asFloat32().elements[0] == Float(4 * 20))
        #expect(throws: ScopeKitError.self) { try FlatFieldDataset(stack: url, planesPerTile: 4) }

        // ImageJ hyperstack t=2, z=3, c=2 written by the TIFF writer with axis names.
        let hv = (0..<(2 * 3 * 2 * 4 * 5)).map { UInt16($0) }
        var hyper = NDArray(hv, shape: [2, 3, 2, 4, 5])
        hyper.calibration = Calibration(axes: ["t", "z", "c", "y", "x"].map { AxisCalibration(name: $0) })
        let tif = root.appendingPathComponent("hyper.tif")
        try ImageIO.write(AnyArray(hyper), to: tif)
        let h = try FlatFieldDataset(stack: tif)
        #expect(h.channels.map(\.label) == ["c0", "c1"])
        #expect(h.channels[1].tiles.count == 2)
        #expect(h.channels[1].tiles[1].planeCount == 3)
        // tile 2 (t=1), z=2, c=1 → plane index ((1·3 + 2)·2 + 1) = 11.
        let p = try h.channels[1].tiles[1].open().readPlane(2).asFloat32()
        #expect(p.elements[0] == Float(11 * 20))
    }
}
