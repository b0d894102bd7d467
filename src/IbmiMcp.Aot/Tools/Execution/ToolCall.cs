using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>A validated, bound and security-checked call, ready to run: what the formatter reports back.</summary>
internal sealed class ToolCall
{
    public required SqlTool Tool { get; init; }
    /// <summary>One value per tool parameter, in declaration order.</summary>
    public required ArgumentValue[] Values { get; init; }
    public required SqlCommand Command { get; init; }
}
