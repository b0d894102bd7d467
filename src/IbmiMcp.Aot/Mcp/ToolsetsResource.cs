using System.Buffers;
using System.Text.Json;
using IbmiMcp.Auth;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>
/// The <c>toolsets://</c> resources (spec §5.11): <c>toolsets://</c> describes every toolset, <c>toolsets://&lt;name&gt;</c>
/// one. Delivered like the reference, as an application/json blob of
/// <c>{totalToolsets, totalTools, toolsets:[{name,title,description,tools,toolCount}], statistics:{multiToolsetTools, toolsetCounts}, timestamp}</c>.
/// </summary>
internal sealed class ToolsetsResource
{
    public const string Scheme = "toolsets://";
    private const string MimeType = "application/json";

    private readonly ToolAccess _access;
    private readonly TimeProvider _time;

    public ToolsetsResource(ToolAccess access, TimeProvider time)
    {
        _access = access;
        _time = time;
    }

    /// <summary>The toolsets <paramref name="caller"/> may see (each listing only tools it may call).</summary>
    public ListResourcesResult List(Caller caller)
    {
        var toolsets = _access.VisibleToolsets(caller);
        var resources = new List<Resource>(toolsets.Count + 1)
        {
            new() { Uri = Scheme, Name = "toolsets", Title = "All toolsets", Description = "Every toolset with its tools.", MimeType = MimeType },
        };
        foreach (var set in toolsets)
        {
            resources.Add(new Resource
            {
                Uri = Scheme + set.Name,
                Name = set.Name,
                Title = set.Title,
                Description = set.Description ?? $"Tools of the '{set.Name}' toolset.",
                MimeType = MimeType,
            });
        }
        return new ListResourcesResult { Resources = resources };
    }

    public ReadResourceResult Read(string? uri, Caller caller)
    {
        if (uri is null || !uri.StartsWith(Scheme, StringComparison.Ordinal))
            throw new McpProtocolException($"Unknown resource: '{uri}'", McpErrorCode.ResourceNotFound);

        var name = uri.AsSpan(Scheme.Length).TrimEnd('/');
        IReadOnlyList<McpToolset> selected = _access.VisibleToolsets(caller);
        if (!name.IsEmpty)
        {
            McpToolset? match = null;
            foreach (var set in selected)
                if (name.SequenceEqual(set.Name))
                    match = set;
            if (match is null)
                throw new McpProtocolException($"Unknown toolset: '{name}'", McpErrorCode.ResourceNotFound);
            selected = [match];
        }

        var bytes = Describe(selected, _time.GetUtcNow());
        return new ReadResourceResult { Contents = [BlobResourceContents.FromBytes(bytes, uri, MimeType)] };
    }

    /// <summary>The template <c>toolsets://{toolset}</c> (resources/templates/list), whose argument completes.</summary>
    public const string Template = Scheme + "{toolset}";

    public ListResourceTemplatesResult ListTemplates() => new()
    {
        ResourceTemplates =
        [
            new ResourceTemplate
            {
                UriTemplate = Template, Name = "toolset", Title = "One toolset",
                Description = "One toolset with its tools; the toolset name completes.", MimeType = MimeType,
            },
        ],
    };

    /// <summary>completion/complete for <c>ref/resource</c>: the toolset names this caller may see.</summary>
    public Completion Complete(string? uriTemplate, string? argument, string? prefix, Caller caller)
    {
        if (!string.Equals(uriTemplate, Template, StringComparison.Ordinal))
            throw new McpProtocolException($"Unknown resource template: '{uriTemplate}' (templates: {Template})", McpErrorCode.InvalidParams);
        if (!string.Equals(argument, "toolset", StringComparison.Ordinal))
            throw new McpProtocolException($"Resource template {Template} has no argument '{argument}' (arguments: toolset)", McpErrorCode.InvalidParams);
        return Prompts.ArgumentCompleter.FromValues(_access.VisibleToolsets(caller).Select(s => s.Name), prefix);
    }

    internal static byte[] Describe(IReadOnlyList<McpToolset> toolsets, DateTimeOffset now)
    {
        var membership = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var set in toolsets)
            foreach (var tool in set.Tools)
                membership[tool] = membership.GetValueOrDefault(tool) + 1;
        var multi = 0;
        foreach (var count in membership.Values)
            if (count > 1)
                multi++;

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("totalToolsets"u8, toolsets.Count);
            w.WriteNumber("totalTools"u8, membership.Count);
            w.WriteStartArray("toolsets"u8);
            foreach (var set in toolsets)
            {
                w.WriteStartObject();
                w.WriteString("name"u8, set.Name);
                if (set.Title is not null)
                    w.WriteString("title"u8, set.Title);
                w.WriteString("description"u8, set.Description ?? "");
                w.WriteStartArray("tools"u8);
                foreach (var tool in set.Tools)
                    w.WriteStringValue(tool);
                w.WriteEndArray();
                w.WriteNumber("toolCount"u8, set.Tools.Count);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("statistics"u8);
            w.WriteNumber("multiToolsetTools"u8, multi);
            w.WriteStartObject("toolsetCounts"u8);
            foreach (var set in toolsets)
                w.WriteNumber(set.Name, set.Tools.Count);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("timestamp"u8, now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
