namespace IbmiMcp.Tools;

/// <summary>Where something was defined: file and 1-based line/column.</summary>
internal readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
