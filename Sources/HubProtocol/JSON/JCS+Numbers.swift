extension JCS {
    /// The ECMAScript form of a finite double (ECMA-262 Number::toString, as
    /// RFC 8785 §3.2.2.3 requires).
    ///
    /// The shortest digit string that reads back as the same double, laid out
    /// as ECMAScript does: plain digits for magnitudes from 10^-6 up to below
    /// 10^21 (`0.000001`, `123456789012345680000`), an exponent otherwise
    /// (`1e-7`, `1e+21`, `1.5e+300`); `-0` becomes `0`.
    ///
    /// - Precondition: `number` is finite. NaN and infinities are not JSON.
    public static func formatNumber(_ number: Double) -> String {
        var out: [UInt8] = []
        appendNumber(number, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendNumber(_ number: Double, to out: inout [UInt8]) {
        precondition(number.isFinite, "JCS cannot serialise NaN or an infinity: a JSONValue holds a non-finite number")
        if number == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        if number.magnitude < 0x1p53, number.rounded(.towardZero) == number {
            // Exact integers print as themselves in both Swift and ECMAScript.
            out.append(contentsOf: Int64(number).description.utf8)
            return
        }
        if number < 0 { out.append(UInt8(ascii: "-")) }

        // Swift's description gives the shortest round-trip digits (closest to
        // the value when several qualify), as ECMAScript asks; only the layout
        // differs. Read it as digits × 10^(pointPosition + exponent − digits.count).
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var pointPosition: Int?
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        for byte in number.magnitude.description.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent {
                    exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                } else {
                    digits.append(byte)
                }
            case UInt8(ascii: "."): pointPosition = digits.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "-"): exponentNegative = true
            case UInt8(ascii: "+"): break
            default: preconditionFailure("unexpected character in Double.description")
            }
        }
        var point = pointPosition ?? digits.count
        let leadingZeros = digits.prefix { $0 == UInt8(ascii: "0") }.count
        digits.removeFirst(leadingZeros)
        point -= leadingZeros
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }

        // ECMA-262 Number::toString: value = 0.d₁d₂…d_k × 10^n.
        let k = digits.count
        let n = point + (exponentNegative ? -exponent : exponent)
        if k <= n && n <= 21 {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            out.append(contentsOf: digits[..<n])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            out.append(contentsOf: "0.".utf8)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            out.append(contentsOf: digits)
        } else {
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            out.append(n - 1 < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out.append(contentsOf: abs(n - 1).description.utf8)
        }
    }
}
