namespace IbmiMcp.Mcp;

/// <summary>A named group of tools as the <c>toolsets://</c> resources describe it (spec §5.8, §5.11).</summary>
internal sealed record McpToolset(string Name, string? Title, string? Description, IReadOnlyList<string> Tools);
