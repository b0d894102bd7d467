namespace IbmiMcp.Mcp;

/// <summary>
/// The MCP revisions this server speaks over HTTP: every revision the ModelContextProtocol SDK serves. The four
/// initialize-handshake revisions are negotiated as the lifecycle says (the client's revision when it is one of
/// these, else <see cref="LatestHandshake"/>); 2026-07-28 drops initialize and sessions (served statelessly).
/// 2025-03-26 and 2024-11-05 are the revisions that still allow JSON-RPC batches (see <see cref="AllowsBatches"/>).
/// </summary>
internal static class McpProtocolVersions
{
    public const string V2024_11_05 = "2024-11-05";
    public const string V2025_03_26 = "2025-03-26";
    public const string V2025_06_18 = "2025-06-18";
    public const string V2025_11_25 = "2025-11-25";
    public const string V2026_07_28 = "2026-07-28";

    /// <summary>What an initialize asking for an unknown revision is answered with (the SDK's choice too).</summary>
    public const string LatestHandshake = V2025_11_25;

    public static readonly string[] Supported = [V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25, V2026_07_28];

    /// <summary>For error messages: "2024-11-05, 2025-03-26, …".</summary>
    public static readonly string SupportedList = string.Join(", ", Supported);

    public static bool IsSupported(ReadOnlySpan<char> version)
    {
        foreach (var v in Supported)
            if (version.SequenceEqual(v))
                return true;
        return false;
    }

    /// <summary>
    /// JSON-RPC batches were part of MCP until 2025-06-18 removed them. A request without a revision (no
    /// MCP-Protocol-Version header) is a 2025-03-26-era request, as the transport rules say to assume.
    /// </summary>
    public static bool AllowsBatches(string? version) => version is null or V2025_03_26 or V2024_11_05;
}
