/// Reading ecosystem files: parse (JSON or YAML), validate, resolve into ``AppSpec``s.
///
/// The CLI calls ``load(_:source:baseDirectory:envName:probe:)`` with a file's bytes; the
/// daemon calls ``validate(_:source:baseDirectory:envName:probe:)`` on a document that
/// arrived over the API (source `"<request>"`). Both report every problem at once.
public enum Ecosystem {
    /// Parse bytes. Syntax errors throw EcosystemError with ONE issue with line:column.
    /// Invalid UTF-8 is an error naming the byte offset (and line if you can).
    public static func parse(_ bytes: [UInt8], format: EcosystemFormat, source: String) throws(EcosystemError) -> EcosystemValue {
        try parseWithPositions(bytes, format: format, source: source).value
    }

    /// Validate and resolve. `baseDirectory`: absolute folder that relative paths resolve against
    /// (the ecosystem file's folder). `envName`: the `--env NAME`, selecting `env_NAME` (merged over `env`).
    public static func validate(
        _ document: EcosystemValue, source: String, baseDirectory: String, envName: String?, probe: any ExecutableProbe
    ) throws(EcosystemError) -> EcosystemLoadResult {
        var validator = EcosystemValidator(source: source, baseDirectory: baseDirectory, envName: envName, probe: probe, positions: SourceMap())
        return try validator.validate(document)
    }

    /// parse + validate of a file's bytes (positions on issues come from the YAML/JSON node marks where you can keep them).
    ///
    /// The format comes from `source`'s extension, else from the first character; a
    /// JavaScript file (`ecosystem.config.js`) is refused with the command that converts it.
    public static func load(
        _ bytes: [UInt8], source: String, baseDirectory: String, envName: String?, probe: any ExecutableProbe
    ) throws(EcosystemError) -> EcosystemLoadResult {
        if EcosystemFormat.isJavaScript(path: source) {
            let file = source.split(separator: "/").last.map(String.init) ?? source
            throw EcosystemError(EcosystemIssue(
                source: source, path: "",
                message: "JavaScript ecosystem files are not supported; write the same object as JSON or YAML",
                hint: "`pm2 ecosystem` output converts with `node -e 'console.log(JSON.stringify(require(\"./\(file)\")))'`"))
        }
        let format = EcosystemFormat.guess(path: source, bytes: bytes)
        let (document, positions) = try parseWithPositions(bytes, format: format, source: source)
        var validator = EcosystemValidator(source: source, baseDirectory: baseDirectory, envName: envName, probe: probe, positions: positions)
        return try validator.validate(document)
    }

    /// Parses and keeps where each node came from.
    static func parseWithPositions(_ bytes: [UInt8], format: EcosystemFormat, source: String) throws(EcosystemError) -> (value: EcosystemValue, positions: SourceMap) {
        if let offset = UTF8Check.firstInvalidOffset(bytes) {
            throw EcosystemError(UTF8Check.issue(offset: offset, bytes: bytes, source: source))
        }
        switch format {
        case .json:
            let (value, map) = try JSONReader.parse(bytes, source: source)
            return (value, map)
        case .yaml:
            let (value, map) = try YAMLReader.parse(String(decoding: bytes, as: UTF8.self), source: source)
            return (value, map)
        }
    }
}
