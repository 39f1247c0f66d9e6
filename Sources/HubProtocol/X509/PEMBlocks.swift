internal import COpenSSL

/// Splits PEM text into the DER bodies of its blocks, through OpenSSL's PEM reader.
///
/// Unlike `PEM_read_bio_X509`, which skips blocks of other types, this refuses
/// any block whose label is not the expected one, so a private key pasted into
/// a certificate bundle is an error rather than silently ignored.
enum PEMBlocks {
    /// The DER body of every block in `text`, in order; each must be labelled `label`.
    static func read(_ text: String, label: String) throws -> [[UInt8]] {
        try OpenSSL.withMemoryBIO(Array(text.utf8)) { bio in
            var blocks: [[UInt8]] = []
            while true {
                var name: UnsafeMutablePointer<CChar>? = nil
                var header: UnsafeMutablePointer<CChar>? = nil
                var data: UnsafeMutablePointer<UInt8>? = nil
                var length = 0
                ERR_clear_error()
                let ok = PEM_read_bio(bio, &name, &header, &data, &length)
                defer {
                    hub_OPENSSL_free(name)
                    hub_OPENSSL_free(header)
                    hub_OPENSSL_free(data)
                }
                guard ok == 1 else {
                    // "No start line" after at least one pass is the normal end of input.
                    if hub_ERR_peek_last_lib() == ERR_LIB_PEM && hub_ERR_peek_last_reason() == PEM_R_NO_START_LINE {
                        ERR_clear_error()
                        return blocks
                    }
                    throw OpenSSL.error(.encoding, "the PEM text is malformed (block \(blocks.count + 1))")
                }
                let found = name.map { String(cString: $0) } ?? ""
                guard found == label else {
                    throw HubProtocolError(
                        .encoding,
                        "expected PEM blocks of type \(label), found one of type \(found)"
                    )
                }
                if let header, header.pointee != 0 {
                    throw HubProtocolError(
                        .encoding,
                        "the \(label) PEM block has headers (encrypted PEM is not supported)"
                    )
                }
                guard let data, length > 0 else {
                    throw HubProtocolError(.encoding, "the \(label) PEM block is empty")
                }
                blocks.append(Array(UnsafeBufferPointer(start: data, count: length)))
            }
        }
    }
}
