using System.Collections.Concurrent;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace IbmiMcp.Emulator;

/// <summary>
/// User profiles of the emulated system. Names are case-insensitive (stored upper-case, as on IBM i).
/// Tracks consecutive failed sign-ons for the QMAXSIGN knob.
/// </summary>
public sealed class EmulatorUsers
{
    private sealed class Profile(string name, string password)
    {
        public string Name { get; } = name;
        public string Password { get; set; } = password;
        public bool Enabled { get; set; } = true;
        public int Failures { get; set; }
        public DateTimeOffset? LastSignOn { get; set; }
        public string? Text { get; set; }
        public ProfileAuthority Authority { get; set; } = ProfileAuthority.User;
    }

    private readonly ConcurrentDictionary<string, Profile> _profiles = new(StringComparer.OrdinalIgnoreCase);

    public EmulatorUsers(int maxSignOnAttempts = 0)
    {
        MaxSignOnAttempts = maxSignOnAttempts;
    }

    /// <summary>QMAXSIGN; 0 turns the lock-out off. May be changed while running.</summary>
    public int MaxSignOnAttempts { get; set; }

    /// <summary>
    /// The demo system's people, each in a different role so authorization by group profile and special authority shows:
    /// ALICE (HR analyst, group HRGRP), BOB (developer, group DEVGRP, *JOBCTL *SPLCTL), CAROL (security administrator,
    /// group SECGRP, *SECADM *AUDIT) and the service account MCPUSER (no group, *JOBCTL to watch other jobs).
    /// </summary>
    public static EmulatorUsers Demo(int maxSignOnAttempts = 0)
    {
        var u = new EmulatorUsers(maxSignOnAttempts);
        u.Add("MCPUSER", "mcppass1", "MCP server service account", new ProfileAuthority("*USER", "*NONE", [], ["*JOBCTL"]));
        u.Add("ALICE", "alice123", "Alice - HR analyst", new ProfileAuthority("*USER", "HRGRP", ["REPORTS"], []));
        u.Add("BOB", "bob12345", "Bob - developer", new ProfileAuthority("*PGMR", "DEVGRP", [], ["*JOBCTL", "*SPLCTL"]));
        u.Add("CAROL", "carol123", "Carol - security administrator", new ProfileAuthority("*SECADM", "SECGRP", ["REPORTS"], ["*AUDIT", "*SECADM"]));
        return u;
    }

    public void Add(string name, string password, string? text = null, ProfileAuthority? authority = null) =>
        _profiles[name.ToUpperInvariant()] = new Profile(name.ToUpperInvariant(), password) { Text = text, Authority = authority ?? ProfileAuthority.User };

    /// <summary>User class, group profile, supplemental groups and special authorities, as USER_INFO reports them.</summary>
    public ProfileAuthority AuthorityOf(string name) => Get(name).Authority;

    public bool Remove(string name) => _profiles.TryRemove(name, out _);

    public void SetPassword(string name, string password) => Get(name).Password = password;

    public void Enable(string name)
    {
        var p = Get(name);
        lock (p)
        {
            p.Enabled = true;
            p.Failures = 0;
        }
    }

    public void Disable(string name)
    {
        var p = Get(name);
        lock (p) p.Enabled = false;
    }

    public bool IsEnabled(string name) => Get(name).Enabled;

    public int FailedAttempts(string name) => Get(name).Failures;

    public IReadOnlyList<string> Names => _profiles.Keys.Select(k => k.ToUpperInvariant()).Order(StringComparer.Ordinal).ToList();

    public bool Exists(string name) => _profiles.ContainsKey(name);

    private Profile Get(string name) =>
        _profiles.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"No user profile {name.ToUpperInvariant()}");

    internal IEnumerable<(string Name, bool Enabled, int Failures, DateTimeOffset? LastSignOn, string? Text, ProfileAuthority Authority)> Snapshot() =>
        _profiles.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => (p.Name, p.Enabled, p.Failures, p.LastSignOn, p.Text, p.Authority));

    /// <summary>
    /// Checks a sign-on the way the host server does. Returns null on success, otherwise the JTOpen reason text that
    /// goes inside "The application server rejected the connection. (reason:USER)".
    /// </summary>
    internal string? Authenticate(string user, string password)
    {
        if (!_profiles.TryGetValue(user, out var p)) return "User ID is not known.";
        lock (p)
        {
            if (!p.Enabled) return "User profile is disabled.";
            if (!string.Equals(p.Password, password, StringComparison.Ordinal))
            {
                p.Failures++;
                int max = MaxSignOnAttempts;
                if (max > 0 && p.Failures >= max)
                {
                    p.Enabled = false;
                    return "Password is not correct. User profile is now disabled.";
                }
                if (max > 0 && p.Failures == max - 1) return "Password is not correct. User profile will be disabled on next invalid password.";
                return "Password is not correct.";
            }
            p.Failures = 0;
            p.LastSignOn = DateTimeOffset.Now;
            return null;
        }
    }

    /// <summary>
    /// Loads profiles from YAML or JSON. Accepted shapes: a map name → password, or
    /// <c>users: [{name, password, enabled?, text?}]</c> (also as a top-level list).
    /// </summary>
    public static EmulatorUsers Load(string path, int maxSignOnAttempts = 0)
    {
        string text = File.ReadAllText(path);
        var users = new EmulatorUsers(maxSignOnAttempts);
        string t = text.TrimStart();
        if (t.StartsWith('{') || t.StartsWith('['))
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("users", out var list)) root = list;
            if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in root.EnumerateArray())
                {
                    string name = Str(e, "name") ?? Str(e, "user") ?? throw new FormatException("users file: entry without name");
                    string pw = Str(e, "password") ?? throw new FormatException($"users file: {name} has no password");
                    users.Add(name, pw, Str(e, "text"), new ProfileAuthority(Str(e, "class") ?? "*USER", Str(e, "group") ?? "*NONE",
                        StrList(e, "groups"), StrList(e, "specialAuthorities")));
                    if (e.TryGetProperty("enabled", out var en) && en.ValueKind == JsonValueKind.False) users.Disable(name);
                }
            }
            else if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in root.EnumerateObject()) users.Add(p.Name, p.Value.GetString() ?? "");
            }
            return users;
        }
        var yaml = new YamlStream();
        using (var reader = new StringReader(text)) yaml.Load(reader);
        if (yaml.Documents.Count == 0) return users;
        YamlNode node = yaml.Documents[0].RootNode;
        if (node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("users"), out var inner)) node = inner;
        if (node is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children.OfType<YamlMappingNode>())
            {
                string? name = Scalar(item, "name") ?? Scalar(item, "user");
                string? pw = Scalar(item, "password");
                if (name is null || pw is null) throw new FormatException("users file: each entry needs name and password");
                users.Add(name, pw, Scalar(item, "text"), new ProfileAuthority(Scalar(item, "class") ?? "*USER", Scalar(item, "group") ?? "*NONE",
                    Sequence(item, "groups"), Sequence(item, "specialAuthorities")));
                if (Scalar(item, "enabled") is "false" or "False" or "no") users.Disable(name);
            }
        }
        else if (node is YamlMappingNode map)
        {
            foreach (var kv in map.Children)
                users.Add(((YamlScalarNode)kv.Key).Value ?? "", (kv.Value as YamlScalarNode)?.Value ?? "");
        }
        return users;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string[] StrList(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!.ToUpperInvariant()).ToArray()
            : [];

    private static string[] Sequence(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlSequenceNode seq
            ? seq.Children.OfType<YamlScalarNode>().Select(x => (x.Value ?? "").ToUpperInvariant()).Where(x => x.Length > 0).ToArray()
            : [];

    private static string? Scalar(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (v as YamlScalarNode)?.Value : null;
}

/// <summary>What USER_INFO says about a profile's authority: user class, group profile (*NONE for none), supplemental groups, special authorities.</summary>
public sealed record ProfileAuthority(string UserClass, string Group, IReadOnlyList<string> SupplementalGroups, IReadOnlyList<string> SpecialAuthorities)
{
    public static readonly ProfileAuthority User = new("*USER", "*NONE", [], []);
}
