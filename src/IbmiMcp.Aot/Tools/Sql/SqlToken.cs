namespace IbmiMcp.Tools;

/// <summary>A token as a range of the statement text.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, int Start, int Length)
{
    public int End => Start + Length;
}
