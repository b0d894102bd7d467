using IbmiMcp.Configuration;

namespace IbmiMcp.Tools;

/// <summary>The parts of <see cref="ServerOptions"/> the loader uses, plus the variable lookup for ${VAR}.</summary>
internal sealed class ToolLoadSettings
{
    public string? Path { get; init; }
    public IReadOnlyList<string> SelectedToolsets { get; init; } = [];
    public bool MergeArrays { get; init; } = true;
    public bool AllowDuplicateTools { get; init; }
    public bool AllowDuplicateSources { get; init; }
    public bool ValidateMerged { get; init; } = true;
    /// <summary>Resolves ${NAME}; null leaves the text as written. Defaults to the process environment.</summary>
    public Func<string, string?> Variables { get; init; } = Environment.GetEnvironmentVariable;

    public static ToolLoadSettings From(ServerOptions options, Func<string, string?>? variables = null) => new()
    {
        Path = options.ToolsYamlPath,
        SelectedToolsets = options.SelectedToolsets,
        MergeArrays = options.YamlMergeArrays,
        AllowDuplicateTools = options.YamlAllowDuplicateTools,
        AllowDuplicateSources = options.YamlAllowDuplicateSources,
        ValidateMerged = options.YamlValidateMerged,
        Variables = variables ?? Environment.GetEnvironmentVariable,
    };
}
