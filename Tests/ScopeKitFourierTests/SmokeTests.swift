import Foundation
import ScopeKitCore
import Testing
@testable import ScopeKitFourier

/// Direct O(n²) DFT in double precision (the mathematical definition, sign −).
func naiveDFT(_ re: [Double], _ im: [Double], inverse: Bool = false) -> [Double] {
    let n = re.count
    var out: [Double] = []
    for k in 0..<n {
        var sr = 0.0, si = 0.0
        for j in 0..<n {
            let a = (inverse ? 2.0 : -2.0) * Double.pi * Double((j * k) % n) / Double(n)
            sr += re[j] * cos(a) - im[j] * sin(a)
            si += re[j] * sin(a) + im[j] * cos(a)
        }
        out.append(sr); out.append(si)
    }
    return out
}

@Test("1-D complex FFT equals the direct DFT for every length 1…70 (all radices, generic primes, Bluestein)",
      arguments: [Float.self as any FFTScalar.Type, Double.self])
func fftMatchesDirectDFT(_ type: any FFTScalar.Type) throws {
    func check<T: FFTScalar>(_: T.Type) throws {
        for n in 1...70 {
            let x = randomComplex(T.self, seed: UInt64(n), shape: [n])
            let X = try FFT.forward(x)
            let ref = naiveDFT(doubles(x.real), doubles(x.imaginary))
            let err = relativeError(interleavedDoubles(X), ref)
            #expect(err < tolerance(T.self), "n=\(n) err=\(err)")
        }
    }
    if type == Float.self { try check(Float.self) } else { try check(Double.self) }
}
