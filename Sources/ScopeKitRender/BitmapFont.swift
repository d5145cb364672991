import ScopeKitCore

/// A tiny built-in 5 × 7 pixel font for labels on rendered images (colour-bar ticks, scale bars).
///
/// Covers digits, `A`–`Z`, `a`–`z`, `µ` (also U+03BC `μ`), `Å`, `°`, space and `. , - + : / % ( ) ?`; any other
/// character is drawn as `?`. Each glyph is 5 pixels wide and 7 high and advances by 6 pixels; ``draw(_:into:row:col:scale:color:)``
/// magnifies every font pixel to a `scale × scale` block so labels stay readable on large images. Lower-case
/// letters with descenders (g, j, p, q, y, µ) are raised to fit the 7-row cell.
///
/// ```swift
/// var image = NDArray<UInt8>(zeros: [20, 60, 3])
/// BitmapFont.draw("500 nm", into: &image, row: 4, col: 2, scale: 2, color: .white)
/// BitmapFont.width(of: "500 nm", scale: 2)    // 70
/// ```
public enum BitmapFont {
    /// Glyph width in font pixels.
    public static let glyphWidth = 5
    /// Glyph height in font pixels.
    public static let glyphHeight = 7
    /// Horizontal advance per character in font pixels (glyph plus one blank column).
    public static let advance = 6

    /// The width in image pixels of `text` drawn at `scale` (no trailing blank column).
    public static func width(of text: String, scale: Int) -> Int {
        let n = text.count
        return n == 0 ? 0 : (n * advance - 1) * scale
    }

    /// The height in image pixels of one line drawn at `scale`.
    public static func height(scale: Int) -> Int { glyphHeight * scale }

    /// The 7 rows of a character's glyph, bit 4 = leftmost column; `nil` when the font lacks the character.
    public static func glyph(for character: Character) -> [UInt8]? { glyphs[character] }

    /// Draws `text` with its top-left corner at (`row`, `col`); pixels outside `image` are skipped.
    ///
    /// - Parameters:
    ///   - image: an `[rows, cols, channels]` image with 3 (RGB) or 4 (RGBA) channels.
    ///   - scale: the size in image pixels of one font pixel (≥ 1).
    ///   - color: the ink colour (its alpha is written to RGBA images).
    /// - Complexity: O(characters · 35 · scale²).
    public static func draw(_ text: String, into image: inout NDArray<UInt8>, row: Int, col: Int, scale: Int,
                            color: RGBAColor) {
        precondition(image.rank == 3, "BitmapFont: image must be [rows, cols, channels]")
        let s = Swift.max(scale, 1)
        var x = col
        for ch in text {
            let rows = glyphs[ch] ?? glyphs["?"]!
            for (gy, bits) in rows.enumerated() {
                for gx in 0..<glyphWidth where bits & (1 << (glyphWidth - 1 - gx)) != 0 {
                    fillRectangle(in: &image, row: row + gy * s, col: x + gx * s, height: s, width: s, color: color)
                }
            }
            x += advance * s
        }
    }

    /// The glyph table, built once from the pixel pictures below.
    static let glyphs: [Character: [UInt8]] = {
        var table: [Character: [UInt8]] = [:]
        for (ch, picture) in pictures {
            let rows = picture.split(separator: " ").map { row in
                row.reduce(UInt8(0)) { ($0 << 1) | ($1 == "#" ? 1 : 0) }
            }
            precondition(rows.count == 7, "BitmapFont: glyph \(ch) has \(rows.count) rows")
            table[ch] = rows
        }
        table["μ"] = table["µ"]
        return table
    }()

    /// Pixel pictures, 7 rows of 5 columns, top row first (`#` = ink).
    private static let pictures: [(Character, String)] = [
        (" ", "..... ..... ..... ..... ..... ..... ....."),
        ("0", ".###. #...# #..## #.#.# ##..# #...# .###."),
        ("1", "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###."),
        ("2", ".###. #...# ....# ...#. ..#.. .#... #####"),
        ("3", "##### ...#. ..#.. ...#. ....# #...# .###."),
        ("4", "...#. ..##. .#.#. #..#. ##### ...#. ...#."),
        ("5", "##### #.... ####. ....# ....# #...# .###."),
        ("6", "..##. .#... #.... ####. #...# #...# .###."),
        ("7", "##### ....# ...#. ..#.. .#... .#... .#..."),
        ("8", ".###. #...# #...# .###. #...# #...# .###."),
        ("9", ".###. #...# #...# .#### ....# ...#. .##.."),
        ("A", ".###. #...# #...# ##### #...# #...# #...#"),
        ("B", "####. #...# #...# ####. #...# #...# ####."),
        ("C", ".###. #...# #.... #.... #.... #...# .###."),
        ("D", "###.. #..#. #...# #...# #...# #..#. ###.."),
        ("E", "##### #.... #.... ####. #.... #.... #####"),
        ("F", "##### #.... #.... ####. #.... #.... #...."),
        ("G", ".###. #...# #.... #.### #...# #...# .####"),
        ("H", "#...# #...# #...# ##### #...# #...# #...#"),
        ("I", ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
        ("J", "..### ...#. ...#. ...#. ...#. #..#. .##.."),
        ("K", "#...# #..#. #.#.. ##... #.#.. #..#. #...#"),
        ("L", "#.... #.... #.... #.... #.... #.... #####"),
        ("M", "#...# ##.## #.#.# #.#.# #...# #...# #...#"),
        ("N", "#...# #...# ##..# #.#.# #..## #...# #...#"),
        ("O", ".###. #...# #...# #...# #...# #...# .###."),
        ("P", "####. #...# #...# ####. #.... #.... #...."),
        ("Q", ".###. #...# #...# #...# #.#.# #..#. .##.#"),
        ("R", "####. #...# #...# ####. #.#.. #..#. #...#"),
        ("S", ".#### #.... #.... .###. ....# ....# ####."),
        ("T", "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#.."),
        ("U", "#...# #...# #...# #...# #...# #...# .###."),
        ("V", "#...# #...# #...# #...# #...# .#.#. ..#.."),
        ("W", "#...# #...# #...# #.#.# #.#.# #.#.# .#.#."),
        ("X", "#...# #...# .#.#. ..#.. .#.#. #...# #...#"),
        ("Y", "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#.."),
        ("Z", "##### ....# ...#. ..#.. .#... #.... #####"),
        ("a", "..... ..... .###. ....# .#### #...# .####"),
        ("b", "#.... #.... #.##. ##..# #...# #...# ####."),
        ("c", "..... ..... .###. #.... #.... #...# .###."),
        ("d", "....# ....# .##.# #..## #...# #...# .####"),
        ("e", "..... ..... .###. #...# ##### #.... .###."),
        ("f", "..##. .#..# .#... ###.. .#... .#... .#..."),
        ("g", "..... .#### #...# #...# .#### ....# .###."),
        ("h", "#.... #.... #.##. ##..# #...# #...# #...#"),
        ("i", "..#.. ..... .##.. ..#.. ..#.. ..#.. .###."),
        ("j", "...#. ..... ..##. ...#. ...#. #..#. .##.."),
        ("k", "#.... #.... #..#. #.#.. ##... #.#.. #..#."),
        ("l", ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
        ("m", "..... ..... ##.#. #.#.# #.#.# #...# #...#"),
        ("n", "..... ..... #.##. ##..# #...# #...# #...#"),
        ("o", "..... ..... .###. #...# #...# #...# .###."),
        ("p", "..... ####. #...# #...# ####. #.... #...."),
        ("q", "..... .#### #...# #...# .#### ....# ....#"),
        ("r", "..... ..... #.##. ##..# #.... #.... #...."),
        ("s", "..... ..... .###. #.... .###. ....# ####."),
        ("t", ".#... .#... ###.. .#... .#... .#..# ..##."),
        ("u", "..... ..... #...# #...# #...# #..## .##.#"),
        ("v", "..... ..... #...# #...# #...# .#.#. ..#.."),
        ("w", "..... ..... #...# #...# #.#.# #.#.# .#.#."),
        ("x", "..... ..... #...# .#.#. ..#.. .#.#. #...#"),
        ("y", "..... ..... #...# #...# .#### ....# .###."),
        ("z", "..... ..... ##### ...#. ..#.. .#... #####"),
        ("µ", "..... #...# #...# #...# #..## ###.# #...."),
        ("Å", "..#.. ..... .###. #...# ##### #...# #...#"),
        ("°", ".##.. #..#. #..#. .##.. ..... ..... ....."),
        (".", "..... ..... ..... ..... ..... .##.. .##.."),
        (",", "..... ..... ..... ..... .##.. ..#.. .#..."),
        ("-", "..... ..... ..... .###. ..... ..... ....."),
        ("+", "..... ..#.. ..#.. ##### ..#.. ..#.. ....."),
        (":", "..... .##.. .##.. ..... .##.. .##.. ....."),
        ("/", "..... ....# ...#. ..#.. .#... #.... ....."),
        ("%", "##... ##..# ...#. ..#.. .#... #..## ...##"),
        ("(", "...#. ..#.. .#... .#... .#... ..#.. ...#."),
        (")", ".#... ..#.. ...#. ...#. ...#. ..#.. .#..."),
        ("?", ".###. #...# ....# ...#. ..#.. ..... ..#.."),
    ]
}

/// Fills a rectangle of an `[rows, cols, channels]` image, clipped to the image.
func fillRectangle(in image: inout NDArray<UInt8>, row: Int, col: Int, height: Int, width: Int, color: RGBAColor) {
    let rows = image.shape[0], cols = image.shape[1], channels = image.shape[2]
    let r0 = Swift.max(row, 0), r1 = Swift.min(row + height, rows)
    let c0 = Swift.max(col, 0), c1 = Swift.min(col + width, cols)
    guard r0 < r1, c0 < c1 else { return }
    let rgba = [color.red, color.green, color.blue, color.alpha]
    image.withUnsafeMutableBufferPointer { p in
        for r in r0..<r1 {
            for c in c0..<c1 {
                let o = (r * cols + c) * channels
                for k in 0..<channels { p[o + k] = rgba[k] }
            }
        }
    }
}
