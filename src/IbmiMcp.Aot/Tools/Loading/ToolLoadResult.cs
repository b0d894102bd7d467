namespace IbmiMcp.Tools;

/// <summary>
/// Outcome of <see cref="ToolCatalogLoader.Load(IbmiMcp.Configuration.ServerOptions, Func{string, string?}?)"/>:
/// a catalog when there were no errors, and every error and warning (notices such as ignored
/// typescript_tools or disabled tools) either way.
/// </summary>
internal sealed class ToolLoadResult
{
    public ToolLoadResult(ToolCatalog? catalog, IReadOnlyList<ToolLoadError> errors, IReadOnlyList<ToolLoadError> warnings, IReadOnlyList<string> files)
    {
        Catalog = catalog; Errors = errors; Warnings = warnings; Files = files;
    }

    public ToolCatalog? Catalog { get; }
    public IReadOnlyList<ToolLoadError> Errors { get; }
    public IReadOnlyList<ToolLoadError> Warnings { get; }
    public IReadOnlyList<string> Files { get; }
    public bool Success => Errors.Count == 0 && Catalog is not null;
}
