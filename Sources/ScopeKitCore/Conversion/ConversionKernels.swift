import ComplexModule
import RealModule

// The element loops behind `NDArray.converted(to:policy:)`. Every entry point is generic over the source
// element `T` and the target element `U`; once specialised, the `T.dtype`/`U.dtype` switches fold away and
// each loop is a straight, vectorisable pass over unsafe buffers, split into chunks over `Parallel`.

/// Elements per parallel chunk below which a conversion stays on one thread.
@usableFromInline let _conversionChunk = 1 << 16

/// Applies `transform` to every element of `src`, writing `dst`, in parallel chunks.
@inlinable @inline(__always)
func _mapElements<T, U>(_ src: UnsafeBufferPointer<T>, _ dst: UnsafeMutableBufferPointer<U>,
                        _ transform: (T) -> U) {
    guard let s = src.baseAddress, let d = dst.baseAddress, !src.isEmpty else { return }
    Parallel.forEachChunk(0..<src.count, minimumChunk: _conversionChunk) { range in
        for i in range { d[i] = transform(s[i]) }
    }
}

// MARK: - clip (and the checked part of reject)

/// Converts with saturation; see ``ConversionPolicy/clip``.
@inlinable
func _convertClipping<T: ArrayElement, U: ArrayElement>(_ src: UnsafeBufferPointer<T>,
                                                       _ dst: UnsafeMutableBufferPointer<U>) {
    let s = T.dtype, d = U.dtype
    let sourceIsInteger = s.isInteger || s == .bool
    if let (lo, hi) = d._int64Range {
        if d == .bool {
            if sourceIsInteger {
                _mapElements(src, dst) { _fromInt64(_int64Value($0) != 0 ? 1 : 0) }
            } else {
                // NaN → false (NaN != 0 would say true).
                _mapElements(src, dst) { x in
                    let v = x.doubleValue
                    return _fromInt64((v != 0 && v == v) || _imaginaryPart(x) != 0 ? 1 : 0)
                }
            }
        } else if sourceIsInteger {
            let (slo, shi) = s._int64Range!
            if slo >= lo && shi <= hi {
                _mapElements(src, dst) { _fromInt64(_int64Value($0)) }
            } else {
                _mapElements(src, dst) { x in
                    let v = _int64Value(x)
                    return _fromInt64(v < lo ? lo : (v > hi ? hi : v))
                }
            }
        } else if d == .int64 {
            _mapElements(src, dst) { x in
                let v = x.doubleValue
                if v != v { return _fromInt64(0) }
                if v >= 0x1p63 { return _fromInt64(Int64.max) }
                if v <= -0x1p63 { return _fromInt64(Int64.min) }
                return _fromInt64(Int64(v.rounded(.toNearestOrEven)))
            }
        } else if s == .float32 && d.byteCount <= 2 {
            // Float arithmetic is exact here: the bounds and every rounded result fit in 24 bits.
            let flo = Float(lo), fhi = Float(hi)
            _mapElements(src, dst) { x in
                let v = unsafeBitCast(x, to: Float.self)
                var c = v > flo ? v : flo
                c = c < fhi ? c : fhi
                c = v == v ? _roundEvenSmall(c) : 0
                return U(unchecked: Double(c))
            }
        } else {
            let dlo = Double(lo), dhi = Double(hi)
            _mapElements(src, dst) { x in
                let v = x.doubleValue
                var c = v > dlo ? v : dlo
                c = c < dhi ? c : dhi
                c = v == v ? _roundEvenSmall(c) : 0
                return U(unchecked: c)
            }
        }
        return
    }
    switch d {
    case .float64:
        _mapElements(src, dst) { U(unchecked: $0.doubleValue) }
    case .float32, .complex64:
        if s == .complex64 && d == .complex64 {
            _mapElements(src, dst) { unsafeBitCast($0, to: U.self) }
        } else if s == .float64 {
            let m = Double(Float.greatestFiniteMagnitude)
            _mapElements(src, dst) { x in
                let v = x.doubleValue
                let c = (v > m && v != .infinity) ? m : ((v < -m && v != -.infinity) ? -m : v)
                return _fromFloat(Float(c))
            }
        } else {
            _mapElements(src, dst) { _fromFloat(_floatValue($0)) }
        }
    default:
        fatalError("unreachable: every dtype is handled")
    }
}

/// The flat index of the first element that ``ConversionPolicy/reject`` refuses, or `nil`.
@inlinable
func _firstRejectedIndex<T: ArrayElement>(_ src: UnsafeBufferPointer<T>, to d: DType) -> Int? {
    let s = T.dtype
    let sourceIsInteger = s.isInteger || s == .bool
    let isBad: (T) -> Bool
    if let (lo, hi) = d._int64Range {
        if sourceIsInteger {
            let (slo, shi) = s._int64Range!
            if slo >= lo && shi <= hi { return nil }
            isBad = { x in let v = _int64Value(x); return v < lo || v > hi }
        } else if d == .bool {
            isBad = { x in let v = x.doubleValue; return (v != 0 && v != 1) || _imaginaryPart(x) != 0 }
        } else if d == .int64 {
            isBad = { x in
                let r = x.doubleValue.rounded(.toNearestOrEven)
                return !(r >= -0x1p63 && r < 0x1p63) || _imaginaryPart(x) != 0
            }
        } else {
            let dlo = Double(lo), dhi = Double(hi)
            isBad = { x in
                let r = _roundEven(x.doubleValue)
                return !(r >= dlo && r <= dhi) || _imaginaryPart(x) != 0
            }
        }
    } else if d == .float64 || d == .float32 {
        if s == .complex64 {
            isBad = { _imaginaryPart($0) != 0 }
        } else if s == .float64 && d == .float32 {
            isBad = { x in let v = x.doubleValue; return v.isFinite && Float(v).isInfinite }
        } else {
            return nil
        }
    } else if d == .complex64 && s == .float64 {
        isBad = { x in let v = x.doubleValue; return v.isFinite && Float(v).isInfinite }
    } else {
        return nil
    }
    guard let base = src.baseAddress, !src.isEmpty else { return nil }
    return Parallel.reduce(0..<src.count, blockSize: 1 << 16, initial: nil as Int?, block: { range in
        for i in range where isBad(base[i]) { return i }
        return nil
    }, combine: { a, b in a ?? b })
}

/// A one-line description of an element for error messages.
@usableFromInline
func _valueDescription<T: ArrayElement>(_ x: T) -> String {
    if T.dtype == .complex64 {
        let c = unsafeBitCast(x, to: Complex<Float>.self)
        return "(\(c.real)\(c.imaginary < 0 ? "-" : "+")\(abs(c.imaginary))i)"
    }
    if T.dtype.isInteger || T.dtype == .bool { return "\(x)" }
    return "\(x.doubleValue)"
}

// MARK: - rescaleRange

/// skimage's `_scale`: `a` (an `n`-bit value) as an `m`-bit value by bit shifting or replication.
@inlinable @inline(__always)
func _scaleBits(_ a: UInt64, _ n: Int, _ m: Int) -> UInt64 {
    if n > m { return a >> UInt64(n - m) }
    if n == m { return a }
    if m % n == 0 {
        let factor = (m == 64 ? UInt64.max : (1 << UInt64(m)) - 1) / ((1 << UInt64(n)) - 1)
        return a &* factor
    }
    let o = (m / n + 1) * n
    let factor = (o == 64 ? UInt64.max : (1 << UInt64(o)) - 1) / ((1 << UInt64(n)) - 1)
    return (a &* factor) >> UInt64(o - m)
}

/// Integer → integer under ``ConversionPolicy/rescaleRange`` (scikit-image's bit scaling, always applied).
@inlinable
func _rescaleIntegerRange(_ v: Int64, from s: DType, to d: DType) -> Int64 {
    let nIn = s._bitCount, nOut = d._bitCount
    switch (s.isSignedInteger, d.isSignedInteger) {
    case (false, false):
        return Int64(bitPattern: _scaleBits(UInt64(v), nIn, nOut))
    case (false, true):
        return Int64(bitPattern: _scaleBits(UInt64(v), nIn, nOut - 1))
    case (true, false):
        return v < 0 ? 0 : Int64(bitPattern: _scaleBits(UInt64(v), nIn - 1, nOut))
    case (true, true):
        if nIn > nOut { return v >> Int64(nIn - nOut) }  // arithmetic shift = floor division
        if nIn == nOut { return v }
        let (loIn, _) = s._int64Range!, (loOut, _) = d._int64Range!
        let offset = UInt64(bitPattern: v &- loIn)
        return Int64(bitPattern: _scaleBits(offset, nIn, nOut) &+ UInt64(bitPattern: loOut))
    }
}

/// Converts under ``ConversionPolicy/rescaleRange``.
@inlinable
func _convertRescalingRange<T: ArrayElement, U: ArrayElement>(_ src: UnsafeBufferPointer<T>,
                                                             _ dst: UnsafeMutableBufferPointer<U>) {
    let s = T.dtype, d = U.dtype
    let sourceIsInteger = s.isInteger
    let targetIsInteger = d.isInteger
    if d == .bool {
        if s == .bool {
            _mapElements(src, dst) { unsafeBitCast($0, to: U.self) }
        } else if sourceIsInteger {
            let threshold = Int64(Double(s._int64Range!.hi) / 2)
            _mapElements(src, dst) { _fromInt64(_int64Value($0) > threshold ? 1 : 0) }
        } else {
            _mapElements(src, dst) { _fromInt64($0.doubleValue > 0.5 ? 1 : 0) }
        }
        return
    }
    if s == .bool {
        let top = targetIsInteger ? d._int64Range!.hi : 1
        _mapElements(src, dst) { x in
            let on = unsafeBitCast(x, to: Bool.self)
            return targetIsInteger ? _fromInt64(on ? top : 0) : U(unchecked: on ? 1 : 0)
        }
        return
    }
    if sourceIsInteger && targetIsInteger {
        _mapElements(src, dst) { _fromInt64(_rescaleIntegerRange(_int64Value($0), from: s, to: d)) }
        return
    }
    if sourceIsInteger {
        // Integer → float32/float64/complex64: x / max (signed: at least −1).
        let hi = Double(s._int64Range!.hi)
        let signed = s.isSignedInteger
        if d != .float64 && s.byteCount <= 4 {
            let k = Float(1.0 / hi)
            _mapElements(src, dst) { x in
                let y = Float(_int64Value(x)) * k
                return _fromFloat(signed && y < -1 ? -1 : y)
            }
        } else {
            let k = 1.0 / hi
            _mapElements(src, dst) { x in
                let y = Double(_int64Value(x)) * k
                let z = signed && y < -1 ? -1 : y
                return d == .float64 ? U(unchecked: z) : _fromFloat(Float(z))
            }
        }
        return
    }
    if !targetIsInteger {
        _convertClipping(src, dst)  // float ↔ float, complex: a cast
        return
    }
    // Float → integer: rint(x · max) (signed: rint(x · (max − min)/2 − ½)), then clip.
    let (lo, hi) = d._int64Range!
    let dlo = Double(lo), dhi = Double(hi)
    let signed = d.isSignedInteger
    let factor = signed ? (dhi - dlo) / 2 : dhi
    let clampRound: (Double) -> U = { y in
        if y != y { return _fromInt64(0) }
        if y <= dlo { return _fromInt64(lo) }
        if y >= dhi { return _fromInt64(hi) }
        return _fromInt64(Int64(y))
    }
    if s != .float64 && d.byteCount <= 4 {
        let k = Float(factor)
        _mapElements(src, dst) { x in
            var y = _floatValue(x) * k
            if signed { y -= 0.5 }
            return clampRound(Double(y.rounded(.toNearestOrEven)))
        }
    } else {
        _mapElements(src, dst) { x in
            var y = x.doubleValue * factor
            if signed { y -= 0.5 }
            return clampRound(y.rounded(.toNearestOrEven))
        }
    }
}

// MARK: - rescaleData

/// The finite minimum and maximum of the real parts, as `Double`s; `nil` when no value is finite.
@inlinable
func _finiteExtrema<T: ArrayElement>(_ src: UnsafeBufferPointer<T>) -> (lo: Double, hi: Double)? {
    guard let base = src.baseAddress, !src.isEmpty else { return nil }
    return Parallel.reduce(0..<src.count, blockSize: 1 << 16, initial: nil as (lo: Double, hi: Double)?,
                           block: { range in
        var lo = Double.infinity, hi = -Double.infinity
        for i in range {
            let v = base[i].doubleValue
            if v.isFinite {
                lo = v < lo ? v : lo
                hi = v > hi ? v : hi
            }
        }
        return lo <= hi ? (lo, hi) : nil
    }, combine: { a, b in
        guard let a else { return b }
        guard let b else { return a }
        return (Swift.min(a.lo, b.lo), Swift.max(a.hi, b.hi))
    })
}

/// The affine map `y = a·x + b` that ``ConversionPolicy/rescaleData`` applies, from the data extrema.
@usableFromInline
func _rescaleDataMap(lo: Double, hi: Double, to d: DType) -> (a: Double, b: Double) {
    let (tlo, thi): (Double, Double)
    if let r = d._int64Range, d != .bool {
        (tlo, thi) = (Double(r.lo), Double(r.hi))
    } else {
        (tlo, thi) = (0, 1)
    }
    guard hi > lo else { return (0, tlo) }
    let a = (thi - tlo) / (hi - lo)
    return (a, tlo - a * lo)
}

/// Converts under ``ConversionPolicy/rescaleData``: `y = (x − lo) · (top − bottom) / (hi − lo) + bottom`.
@inlinable
func _convertRescalingData<T: ArrayElement, U: ArrayElement>(_ src: UnsafeBufferPointer<T>,
                                                            _ dst: UnsafeMutableBufferPointer<U>) {
    let d = U.dtype
    let (lo, hi) = _finiteExtrema(src) ?? (0, 0)
    if d == .bool {
        let mid = lo + (hi - lo) / 2
        _mapElements(src, dst) { _fromInt64($0.doubleValue > mid ? 1 : 0) }
        return
    }
    let (bottom, top): (Double, Double)
    if let r = d._int64Range { (bottom, top) = (Double(r.lo), Double(r.hi)) } else { (bottom, top) = (0, 1) }
    let span = top - bottom, width = hi - lo
    // Constant data: every finite value maps to the bottom of the range (NaN stays NaN).
    let scaled: (Double) -> Double = width > 0 ? { ($0 - lo) * span / width + bottom } : { $0 == $0 ? bottom : $0 }
    if let (ilo, ihi) = d._int64Range {
        _mapElements(src, dst) { x in
            let y = scaled(x.doubleValue)
            if y != y { return _fromInt64(0) }
            if y <= bottom { return _fromInt64(ilo) }
            if y >= top { return _fromInt64(ihi) }
            return _fromInt64(Int64(_roundEven(y)))
        }
    } else if d == .float64 {
        _mapElements(src, dst) { U(unchecked: scaled($0.doubleValue)) }
    } else {
        _mapElements(src, dst) { _fromFloat(Float(scaled($0.doubleValue))) }
    }
}
