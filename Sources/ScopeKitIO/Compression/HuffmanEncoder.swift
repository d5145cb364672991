/// Length-limited canonical Huffman codes for the DEFLATE encoder (RFC 1951 §3.2.2).
///
/// Lengths come from a Huffman tree built with the two-queue method over the symbols sorted by frequency; if
/// the tree is deeper than the limit, frequencies are halved (keeping every used symbol at ≥ 1) and the tree
/// rebuilt, which always ends with a complete code within the limit. Codes are returned bit-reversed, ready
/// for a least-significant-bit-first writer.
///
/// ```swift
/// HuffmanEncoder.lengths(frequencies: freq, count: 286, limit: 15, into: lens)
/// HuffmanEncoder.codes(lengths: lens, count: 286, into: codes)
/// ```
/// - Complexity: O(n log n) per build (n ≤ 288 symbols).
enum HuffmanEncoder {
    /// Code lengths (≤ `limit`) for `frequencies[0..<count]`; unused symbols get 0. At least two symbols get
    /// codes (zlib's rule), so a block with one used symbol still has a complete code.
    static func lengths(frequencies: UnsafePointer<UInt32>, count: Int, limit: Int,
                        into lengths: UnsafeMutablePointer<UInt8>) {
        lengths.initialize(repeating: 0, count: count)
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * 288 + 2) { scratch in
            let weight = scratch.baseAddress!             // 2·288 nodes: leaves then internal nodes
            let parent = weight + 2 * 288
            var symbols: [Int] = []
            symbols.reserveCapacity(count)
            for s in 0..<count where frequencies[s] > 0 { symbols.append(s) }
            var extra = 0
            while symbols.count < 2 {
                if !symbols.contains(extra) { symbols.append(extra) }
                extra += 1
            }
            let n = symbols.count
            var freq = symbols.map { max(frequencies[$0], 1) }
            while true {
                let order = (0..<n).sorted { freq[$0] != freq[$1] ? freq[$0] < freq[$1] : symbols[$0] < symbols[$1] }
                for k in 0..<n { weight[k] = freq[order[k]] }
                // Two queues: leaves 0..<n (sorted), internal nodes n..<2n-1 (created in non-decreasing order).
                var leaf = 0, node = n, made = n
                @inline(__always) func takeSmallest() -> Int {
                    if leaf < n && (node >= made || weight[leaf] <= weight[node]) {
                        leaf += 1
                        return leaf - 1
                    }
                    node += 1
                    return node - 1
                }
                while made < 2 * n - 1 {
                    let a = takeSmallest(), b = takeSmallest()
                    weight[made] = weight[a] &+ weight[b]
                    parent[a] = UInt32(made)
                    parent[b] = UInt32(made)
                    made += 1
                }
                // Depths from the root down (parents have larger indices).
                let root = 2 * n - 2
                weight[root] = 0
                var deepest = 0
                for k in stride(from: root - 1, through: 0, by: -1) {
                    weight[k] = weight[Int(parent[k])] + 1
                    if k < n { deepest = max(deepest, Int(weight[k])) }
                }
                if deepest <= limit {
                    for k in 0..<n { lengths[symbols[order[k]]] = UInt8(weight[k]) }
                    return
                }
                freq = freq.map { ($0 + 1) >> 1 }
            }
        }
    }

    /// Canonical codes for `lengths[0..<count]`, bit-reversed (first bit in the least significant bit).
    static func codes(lengths: UnsafePointer<UInt8>, count: Int, into codes: UnsafeMutablePointer<UInt16>) {
        var lengthCount = [Int](repeating: 0, count: 16)
        for s in 0..<count { lengthCount[Int(lengths[s])] += 1 }
        lengthCount[0] = 0
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for l in 1...15 {
            code = (code + lengthCount[l - 1]) << 1
            next[l] = code
        }
        for s in 0..<count {
            let l = Int(lengths[s])
            guard l > 0 else {
                codes[s] = 0
                continue
            }
            var c = next[l], r = 0
            next[l] += 1
            for _ in 0..<l {
                r = r << 1 | c & 1
                c >>= 1
            }
            codes[s] = UInt16(r)
        }
    }
}
