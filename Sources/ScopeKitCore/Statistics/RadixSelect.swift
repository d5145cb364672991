// Order statistics of float32 data by radix selection on the bit patterns (no copy of the data, no
// comparisons).
//
// A float maps to a 32-bit key whose unsigned order is the numeric order (flip every bit of a negative
// number, set the sign bit of a positive one). Pass 1 counts the keys' top 16 bits (65 536 buckets): the
// prefix sums name the bucket and the rank inside it of every wanted order statistic. Pass 2 copies only the
// elements of those buckets (for a median of smooth data, well under 1 % of the image); their low 16 bits
// are counted the same way, which fixes the key, hence the value, exactly. Time is two streaming reads of
// the data whatever their distribution (introselect's branch mispredictions and swaps are gone), and the
// counts are integers, so the result does not depend on the thread count.

/// Elements below which plain introselect on a copy is cheaper than two radix passes.
@usableFromInline let _radixSelectMinimum = 1 << 15
/// Elements per counting block (each block has its own 65 536 counters).
@usableFromInline let _radixBlock = 1 << 21

/// The order-preserving key of a float32 (−0 counted as +0). NaNs map outside the range of numbers.
@inlinable @inline(__always)
func _floatKey(_ x: Float) -> UInt32 {
    let b = (x + 0).bitPattern
    return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
}

/// The float32 whose ``_floatKey(_:)`` is `key`.
@inlinable @inline(__always)
func _floatFromKey(_ key: UInt32) -> Float {
    Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
}

/// The top-16-bit bucket of `x`, or 0 for NaN and unused pixels (bucket 0 otherwise holds only NaN keys,
/// so it never contains a number).
@inlinable @inline(__always)
func _floatBucket(_ x: Float, used: Bool) -> Int {
    used && x == x ? Int(_floatKey(x) >> 16) : 0
}

/// The values at `ranks(n)` (sorted ascending, distinct, each in `0..<n`) among the `n` used, non-NaN
/// elements of `p`, or `nil` values when `n` is 0.
///
/// - Returns: `n` and the values in the order of the ranks.
/// - Complexity: O(count) — two reads of `p` plus O(65 536 · blocks) counter work.
@inlinable
func _floatOrderStatistics(_ p: UnsafeBufferPointer<Float>, _ mask: UnsafePointer<Bool>?,
                           ranks: (Int) -> [Int]) -> (count: Int, values: [Float]) {
    let total = p.count
    guard let base = p.baseAddress, total > 0 else { return (0, []) }
    let bins = 1 << 16
    let blocks = (total + _radixBlock - 1) / _radixBlock
    // Pass 1: a histogram of the top 16 key bits per block.
    let perBlock = UnsafeMutablePointer<UInt32>.allocate(capacity: blocks * bins)
    defer { perBlock.deallocate() }
    let histograms = UncheckedSendable(perBlock)
    Parallel.forEach(0..<blocks) { k in
        let h = histograms.value + k * bins
        h.initialize(repeating: 0, count: bins)
        let lo = k * _radixBlock, hi = Swift.min(lo + _radixBlock, total)
        if let m = mask {
            for i in lo..<hi { h[_floatBucket(base[i], used: m[i])] &+= 1 }
        } else {
            // Two interleaved counters would help runs of equal values; one table keeps the cache small.
            for i in lo..<hi { h[_floatBucket(base[i], used: true)] &+= 1 }
        }
    }
    var counts = [Int](repeating: 0, count: bins)
    for k in 0..<blocks {
        let h = perBlock + k * bins
        for b in 0..<bins { counts[b] += Int(h[b]) }
    }
    let n = total - counts[0]
    guard n > 0 else { return (0, []) }
    let wanted = ranks(n)
    guard !wanted.isEmpty else { return (n, []) }

    // The bucket and the rank inside it of each wanted order statistic (rank 0 of bucket 1 is overall rank 0).
    var buckets: [Int] = []          // distinct buckets, ascending
    var bucketStart: [Int] = []      // overall rank of the bucket's first element
    var located: [(bucket: Int, rank: Int)] = []
    var below = 0
    var b = 1
    for r in wanted {
        while below + counts[b] <= r {
            below += counts[b]
            b += 1
        }
        if buckets.last != b {
            buckets.append(b)
            bucketStart.append(below)
        }
        located.append((buckets.count - 1, r - below))
    }

    // Pass 2: copy the elements of the wanted buckets, block by block at offsets known from pass 1.
    var slot = [Int32](repeating: -1, count: bins)
    var regionStart: [Int] = []
    var size = 0
    for (s, bucket) in buckets.enumerated() {
        slot[bucket] = Int32(s)
        regionStart.append(size)
        size += counts[bucket]
    }
    let gathered = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(size, 1))
    defer { gathered.deallocate() }
    // offsets[k * buckets.count + s]: where block k writes its elements of bucket s.
    var offsets = [Int](repeating: 0, count: blocks * buckets.count)
    for (s, bucket) in buckets.enumerated() {
        var o = regionStart[s]
        for k in 0..<blocks {
            offsets[k * buckets.count + s] = o
            o += Int(perBlock[k * bins + bucket])
        }
    }
    let target = UncheckedSendable(gathered)
    let wantedCount = buckets.count
    slot.withUnsafeBufferPointer { slots in
        offsets.withUnsafeMutableBufferPointer { offs in
            let table = UncheckedSendable(slots.baseAddress!)
            let positions = UncheckedSendable(offs.baseAddress!)
            Parallel.forEach(0..<blocks) { k in
                let out = target.value
                let position = positions.value + k * wantedCount
                let lo = k * _radixBlock, hi = Swift.min(lo + _radixBlock, total)
                @inline(__always) func take(_ i: Int, used: Bool) {
                    let x = base[i]
                    let s = Int(table.value[_floatBucket(x, used: used)])
                    if s >= 0 {
                        out[position[s]] = x
                        position[s] += 1
                    }
                }
                if let m = mask {
                    for i in lo..<hi { take(i, used: m[i]) }
                } else {
                    for i in lo..<hi { take(i, used: true) }
                }
            }
        }
    }

    // Each wanted bucket: its low 16 key bits decide the rank (introselect for small buckets).
    var values = [Float](repeating: 0, count: wanted.count)
    var low = [Int](repeating: 0, count: bins)
    for s in 0..<buckets.count {
        let region = gathered + regionStart[s]
        let m = counts[buckets[s]]
        let members = located.indices.filter { located[$0].bucket == s }
        if m <= 4096 {
            let picked = _orderStatistics(region, count: m, ranks: members.map { located[$0].rank })
            for (j, v) in zip(members, picked) { values[j] = v }
            continue
        }
        for i in 0..<bins { low[i] = 0 }
        for i in 0..<m { low[Int(_floatKey(region[i]) & 0xFFFF)] += 1 }
        for j in members {
            var seen = 0, bit = 0
            while seen + low[bit] <= located[j].rank {
                seen += low[bit]
                bit += 1
            }
            values[j] = _floatFromKey(UInt32(buckets[s]) << 16 | UInt32(bit))
        }
    }
    return (n, values)
}

/// The keys at `ranks(n)` (sorted ascending, distinct, each in `0..<n`) among the `n` used elements of `p`,
/// by one counting pass over `bins` possible keys (8- and 16-bit integers: the key is the value itself).
///
/// - Parameter key: the element's key in `0..<bins`, monotone in the value.
/// - Returns: `n` and the keys of the order statistics, in the order of the ranks.
/// - Complexity: O(count + bins · blocks); integer counts, so independent of the thread count.
@inlinable
func _countingOrderStatistics<T>(_ p: UnsafeBufferPointer<T>, _ mask: UnsafePointer<Bool>?, bins: Int,
                                 key: (T) -> Int, ranks: (Int) -> [Int]) -> (count: Int, keys: [Int]) {
    let total = p.count
    guard let base = p.baseAddress, total > 0 else { return (0, []) }
    // Bin `bins` collects the unused elements.
    let width = bins + 1
    let blocks = (total + _radixBlock - 1) / _radixBlock
    let perBlock = UnsafeMutablePointer<UInt32>.allocate(capacity: blocks * width)
    defer { perBlock.deallocate() }
    let histograms = UncheckedSendable(perBlock)
    Parallel.forEach(0..<blocks) { k in
        let h = histograms.value + k * width
        h.initialize(repeating: 0, count: width)
        let lo = k * _radixBlock, hi = Swift.min(lo + _radixBlock, total)
        if let m = mask {
            for i in lo..<hi { h[m[i] ? key(base[i]) : bins] &+= 1 }
        } else {
            for i in lo..<hi { h[key(base[i])] &+= 1 }
        }
    }
    var counts = [Int](repeating: 0, count: width)
    for k in 0..<blocks {
        let h = perBlock + k * width
        for b in 0..<width { counts[b] += Int(h[b]) }
    }
    let n = total - counts[bins]
    guard n > 0 else { return (0, []) }
    var keys: [Int] = []
    var below = 0, b = 0
    for r in ranks(n) {
        while below + counts[b] <= r {
            below += counts[b]
            b += 1
        }
        keys.append(b)
    }
    return (n, keys)
}
