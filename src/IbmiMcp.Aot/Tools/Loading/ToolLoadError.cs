namespace IbmiMcp.Tools;

/// <summary>
/// One problem found while loading tool files: where (file, 1-based line and column; 0 when the problem is
/// not tied to a position), which rule (a stable short code such as "duplicate-tool") and what is wrong.
/// </summary>
internal sealed record ToolLoadError(string File, int Line, int Column, string Rule, string Message)
{
    public ToolLoadError(SourceLocation at, string rule, string message) : this(at.File, at.Line, at.Column, rule, message) { }

    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}: {Message} [{Rule}]" : $"{File}: {Message} [{Rule}]";
}
