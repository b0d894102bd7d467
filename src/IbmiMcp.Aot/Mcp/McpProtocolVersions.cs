namespace IbmiMcp.Mcp;

/// <summary>
/// The MCP revisions this server speaks over HTTP. 2025-06-18 is the oldest without JSON-RPC batching and the
/// reference server's version; 2026-07-28 drops initialize and sessions (the SDK serves it statelessly).
/// </summary>
internal static class McpProtocolVersions
{
    public const string V2025_06_18 = "2025-06-18";
    public const string V2025_11_25 = "2025-11-25";
    public const string V2026_07_28 = "2026-07-28";

    /// <summary>What an initialize asking for an unsupported revision is answered with (MCP lifecycle: the server proposes its own).</summary>
    public const string LatestHandshake = V2025_11_25;

    public static readonly string[] Supported = [V2025_06_18, V2025_11_25, V2026_07_28];

    /// <summary>For error messages: "2025-06-18, 2025-11-25, 2026-07-28".</summary>
    public static readonly string SupportedList = string.Join(", ", Supported);

    public static bool IsSupported(ReadOnlySpan<char> version)
    {
        foreach (var v in Supported)
            if (version.SequenceEqual(v))
                return true;
        return false;
    }
}
