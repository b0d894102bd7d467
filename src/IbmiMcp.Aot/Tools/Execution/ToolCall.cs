using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>A validated, bound and security-checked call, ready to run: what the formatter reports back.</summary>
internal sealed class ToolCall
{
    public required SqlTool Tool { get; init; }
    /// <summary>One value per tool parameter, in declaration order.</summary>
    public required ArgumentValue[] Values { get; init; }
    public required SqlCommand Command { get; init; }
    /// <summary>Rows of the statement to skip (<c>resultOffset</c>): the answer starts there.</summary>
    public int Offset { get; init; }
    public ResultBudget Budget { get; init; } = ResultBudget.Default;
    /// <summary>The most rows this tool returns at all (rowsToFetch, the 100-row default, or the pool cap for fetchAllRows).</summary>
    public int Limit { get; init; } = 100;
}
