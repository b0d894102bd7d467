using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IbmiMcp.Cli.Ibmi.Systems;

/// <summary>
/// One named IBM i system of the command line's config file. Values are kept as written (a password is normally a
/// <c>${VAR}</c> reference) and expanded from the environment only when used, so saving never writes a secret that
/// came from the environment.
/// </summary>
internal sealed class CliSystem
{
    public required string Name { get; init; }
    public required string Host { get; set; }
    public int Port { get; set; } = Mapepire.MapepireEndpoint.DefaultPort;
    public required string User { get; set; }
    /// <summary>As written: normally <c>${VAR}</c>; null means "ask on the terminal when needed".</summary>
    public string? Password { get; set; }
    public string? Description { get; set; }
    public string? DefaultSchema { get; set; }
    /// <summary>A read-only system refuses changes even with <c>--no-read-only</c>.</summary>
    public bool ReadOnly { get; set; }
    /// <summary>Per-statement deadline in seconds.</summary>
    public int Timeout { get; set; } = 60;
    /// <summary>Rows a statement returns at most unless <c>--limit</c> says otherwise.</summary>
    public int MaxRows { get; set; } = DefaultMaxRows;
    public const int DefaultMaxRows = 5000;
    /// <summary>The reference's default (true): accept any certificate. False: verify, or pin <see cref="CaPath"/>.</summary>
    public bool IgnoreUnauthorized { get; set; } = true;
    public string? CaPath { get; set; }
    public List<string> Tools { get; set; } = [];
    /// <summary>Where it was read from (for `system show`), or null for the environment fallback.</summary>
    public string? Source { get; set; }
}

/// <summary>
/// The command line's config: <c>~/.ibmi/config.yaml</c> (the user's) and the nearest <c>.ibmi/config.yaml</c> up from the
/// working directory (the project's), the project winning system by system. The keys are the reference CLI's.
/// </summary>
internal sealed class CliConfig
{
    public static readonly string[] RootKeys = ["default", "format", "systems"];
    public static readonly string[] SystemKeys =
        ["description", "host", "port", "user", "password", "defaultSchema", "readOnly", "confirm", "timeout", "maxRows", "ignoreUnauthorized", "caPath", "tools"];

    public string? Default { get; set; }
    public string? Format { get; set; }
    public Dictionary<string, CliSystem> Systems { get; } = new(StringComparer.Ordinal);
    /// <summary>The file this config came from (null when merged or empty).</summary>
    public string? Path { get; init; }

    public static string UserPath(Func<string, string?> env)
        => System.IO.Path.Combine(env("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ibmi", "config.yaml");

    /// <summary>The nearest <c>.ibmi/config.yaml</c> from <paramref name="directory"/> upwards, or null.</summary>
    public static string? ProjectPath(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, ".ibmi", "config.yaml");
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>The user's config overlaid by the project's.</summary>
    public static CliConfig Load(Func<string, string?> env, string workingDirectory)
    {
        var user = LoadFile(UserPath(env));
        var projectPath = ProjectPath(workingDirectory);
        if (projectPath is null || string.Equals(System.IO.Path.GetFullPath(projectPath), System.IO.Path.GetFullPath(UserPath(env)), StringComparison.Ordinal))
            return user;
        var project = LoadFile(projectPath);
        var merged = new CliConfig { Default = project.Default ?? user.Default, Format = project.Format ?? user.Format };
        foreach (var (name, system) in user.Systems) merged.Systems[name] = system;
        foreach (var (name, system) in project.Systems) merged.Systems[name] = system;
        return merged;
    }

    /// <summary>Reads one file (missing = empty); a malformed one is a usage error naming file, line and column.</summary>
    public static CliConfig LoadFile(string path)
    {
        var config = new CliConfig { Path = path };
        if (!File.Exists(path))
            return config;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(path)));
        }
        catch (YamlException ex)
        {
            throw CliException.Usage($"{path}:{ex.Start.Line}:{ex.Start.Column}: invalid YAML: {ex.InnerException?.Message ?? ex.Message}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)   // YamlDotNet on some malformed input
        {
            throw CliException.Usage($"{path}: invalid YAML: {ex.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return config;
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw Problem(path, stream.Documents[0].RootNode, "the config must be a mapping of default, format and systems");
        foreach (var (key, value) in root.Children)
        {
            switch (Text(key))
            {
                case "default": config.Default = Text(value); break;
                case "format": config.Format = Text(value); break;
                case "systems":
                    if (value is YamlMappingNode systems)
                        foreach (var (name, node) in systems.Children)
                            config.Systems[Text(name) ?? ""] = ReadSystem(path, Text(name) ?? "", node);
                    else if (!IsEmpty(value))
                        throw Problem(path, value, "'systems' must be a mapping of names to systems");
                    break;
                default:
                    throw Problem(path, key, $"unknown key '{Text(key)}' (expected one of: {string.Join(", ", RootKeys)})");
            }
        }
        if (config.Format is not (null or "table" or "json" or "csv" or "markdown"))
            throw CliException.Usage($"{path}: format must be table, json, csv or markdown (got '{config.Format}')");
        return config;
    }

    private static CliSystem ReadSystem(string path, string name, YamlNode node)
    {
        if (node is not YamlMappingNode map)
            throw Problem(path, node, $"system '{name}' must be a mapping");
        string? host = null, user = null;
        var system = new CliSystem { Name = name, Host = "", User = "", Source = path };
        foreach (var (key, value) in map.Children)
        {
            var k = Text(key);
            switch (k)
            {
                case "host": host = Text(value); break;
                case "user": user = Text(value); break;
                case "port": system.Port = Integer(path, value, $"system '{name}' port", 1, 65535); break;
                case "password": system.Password = Text(value); break;
                case "description": system.Description = Text(value); break;
                case "defaultSchema": system.DefaultSchema = Text(value); break;
                case "readOnly": system.ReadOnly = Bool(path, value, $"system '{name}' readOnly"); break;
                case "confirm": break;   // the reference's interactive confirmation; accepted for compatibility
                case "timeout": system.Timeout = Integer(path, value, $"system '{name}' timeout", 1, 86_400); break;
                case "maxRows": system.MaxRows = Integer(path, value, $"system '{name}' maxRows", 1, 10_000_000); break;
                case "ignoreUnauthorized": system.IgnoreUnauthorized = Bool(path, value, $"system '{name}' ignoreUnauthorized"); break;
                case "caPath": system.CaPath = Text(value); break;
                case "tools":
                    system.Tools = value is YamlSequenceNode seq ? seq.Children.Select(c => Text(c) ?? "").Where(t => t.Length > 0).ToList()
                        : Text(value) is { } one ? [one] : [];
                    break;
                default:
                    throw Problem(path, key, $"unknown key '{k}' in system '{name}' (expected one of: {string.Join(", ", SystemKeys)})");
            }
        }
        if (string.IsNullOrWhiteSpace(host)) throw Problem(path, node, $"system '{name}' has no host");
        if (string.IsNullOrWhiteSpace(user)) throw Problem(path, node, $"system '{name}' has no user");
        system.Host = host;
        system.User = user;
        return system;
    }

    /// <summary>Writes the config (owner-only: 0600 in a 0700 directory). Passwords are written only as given: references.</summary>
    public void Save(string path)
    {
        var root = new YamlMappingNode();
        if (Default is not null) root.Add("default", Default);
        if (Format is not null) root.Add("format", Format);
        var systems = new YamlMappingNode();
        foreach (var (name, s) in Systems)
        {
            var node = new YamlMappingNode { { "host", s.Host }, { "port", s.Port.ToString(CultureInfo.InvariantCulture) }, { "user", s.User } };
            if (s.Password is not null) node.Add("password", new YamlScalarNode(s.Password) { Style = ScalarStyle.SingleQuoted });
            if (s.Description is not null) node.Add("description", s.Description);
            if (s.DefaultSchema is not null) node.Add("defaultSchema", s.DefaultSchema);
            node.Add("readOnly", s.ReadOnly ? "true" : "false");
            node.Add("timeout", s.Timeout.ToString(CultureInfo.InvariantCulture));
            node.Add("maxRows", s.MaxRows.ToString(CultureInfo.InvariantCulture));
            node.Add("ignoreUnauthorized", s.IgnoreUnauthorized ? "true" : "false");
            if (s.CaPath is not null) node.Add("caPath", s.CaPath);
            if (s.Tools.Count > 0) node.Add("tools", new YamlSequenceNode(s.Tools.Select(t => new YamlScalarNode(t))));
            systems.Add(name, node);
        }
        root.Add("systems", systems);

        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        using (var writer = new StringWriter(CultureInfo.InvariantCulture))
        {
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
            var text = "# ibmi command-line systems (docs/cli.md). Passwords are ${VAR} references, never clear text.\n"
                + writer.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal);
            var temp = path + ".tmp";
            File.WriteAllText(temp, text);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temp, path, overwrite: true);
        }
    }

    private static string? Text(YamlNode node) => node is YamlScalarNode s && !IsEmpty(s) ? s.Value : null;

    private static bool IsEmpty(YamlNode node) => node is YamlScalarNode { Value: null or "" or "~" or "null", Style: ScalarStyle.Plain or ScalarStyle.Any };

    private static int Integer(string path, YamlNode node, string what, int min, int max)
    {
        if (Text(node) is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
            return n;
        throw Problem(path, node, $"{what} must be a whole number from {min} to {max}");
    }

    private static bool Bool(string path, YamlNode node, string what) => Text(node) switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => throw Problem(path, node, $"{what} must be true or false"),
    };

    private static CliException Problem(string path, YamlNode node, string message)
        => CliException.Usage($"{path}:{node.Start.Line}:{node.Start.Column}: {message}");
}
