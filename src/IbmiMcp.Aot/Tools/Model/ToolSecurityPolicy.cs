namespace IbmiMcp.Tools;

/// <summary>A tool's `security:` block with the reference defaults (readOnly true, maxQueryLength 10000).</summary>
internal sealed class ToolSecurityPolicy
{
    public const int DefaultMaxQueryLength = 10_000;
    public static readonly ToolSecurityPolicy Default = new();

    public bool ReadOnly { get; init; } = true;
    public int MaxQueryLength { get; init; } = DefaultMaxQueryLength;
    /// <summary>Each keyword split into words, so "DROP TABLE" matches two consecutive word tokens.</summary>
    public IReadOnlyList<string[]> ForbiddenKeywords { get; init; } = [];
    /// <summary>True when the YAML had a `security:` block (the reference only checked at run time then; we always do).</summary>
    public bool Declared { get; init; }
}
