extension Worker.IPC {
    /// A `message` from the daemon (`swiftpm2 send`, `POST /v1/apps/{sel}/send`).
    public struct Message: Sendable, Hashable {
        /// What was sent: any JSON value.
        public var data: Worker.JSON
        /// Present when the sender wants an answer: ``Worker/IPC/reply(to:data:)`` with it.
        public var id: String?

        public init(data: Worker.JSON, id: String? = nil) {
            self.data = data
            self.id = id
        }
    }
}
