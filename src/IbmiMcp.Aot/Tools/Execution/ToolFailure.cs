namespace IbmiMcp.Tools;

/// <summary>Why a call failed, as reported in the error result (never thrown to the MCP layer).</summary>
internal sealed record ToolFailure(string Message, int Code, ToolFailureKind Kind, IReadOnlyList<string>? Problems = null,
    string? SqlState = null, int? SqlCode = null);
