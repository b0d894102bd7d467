using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace IbmiMcp.Tests.Observability;

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, for validating /metrics. Stricter than
/// Prometheus itself on purpose: every family needs HELP and TYPE before its samples, a family's samples are
/// contiguous, no series repeats, counters are non-negative, and histograms are checked for ascending
/// <c>le</c> buckets, cumulative counts, a <c>+Inf</c> bucket equal to <c>_count</c>, and a <c>_sum</c>.
/// Throws <see cref="FormatException"/> naming the line on the first violation.
/// </summary>
public static partial class PrometheusTextParser
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public sealed class Family(string name)
    {
        public string Name { get; } = name;
        public string? Help { get; set; }
        public string? Type { get; set; }
        public List<Sample> Samples { get; } = [];
    }

    public sealed class Exposition(Dictionary<string, Family> families)
    {
        public IReadOnlyDictionary<string, Family> Families { get; } = families;

        /// <summary>The value of the one sample named <paramref name="name"/> with exactly these labels, or null.</summary>
        public double? Value(string name, params (string Key, string Value)[] labels)
        {
            foreach (var family in Families.Values)
                foreach (var s in family.Samples)
                    if (s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
                        return s.Value;
            return null;
        }
    }

    private static readonly string[] s_types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static Exposition Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
            throw new FormatException("The exposition must end with a line feed.");
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        Family? current = null;
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length - 1; n++)
        {
            var line = lines[n];
            var where = $"line {n + 1} \"{line}\"";
            if (line.Length == 0)
                throw new FormatException($"Empty {where}.");
            if (line.StartsWith('#'))
            {
                var m = MetaLine().Match(line);
                if (!m.Success)
                {
                    if (line.StartsWith("# HELP", StringComparison.Ordinal) || line.StartsWith("# TYPE", StringComparison.Ordinal))
                        throw new FormatException($"Malformed {where}.");
                    continue;   // a plain comment
                }
                var name = m.Groups["name"].Value;
                var family = Switch(name, where);
                if (m.Groups["kind"].Value == "HELP")
                {
                    if (family.Help is not null) throw new FormatException($"Second HELP for {name} at {where}.");
                    family.Help = Unescape(m.Groups["rest"].Value, allowQuote: false, where);
                }
                else
                {
                    if (family.Type is not null) throw new FormatException($"Second TYPE for {name} at {where}.");
                    if (family.Samples.Count > 0) throw new FormatException($"TYPE after samples of {name} at {where}.");
                    if (!s_types.Contains(m.Groups["rest"].Value)) throw new FormatException($"Unknown type at {where}.");
                    family.Type = m.Groups["rest"].Value;
                }
                continue;
            }

            var sample = ParseSample(line, where);
            var owner = FamilyOf(sample.Name, families);
            if (owner is null) throw new FormatException($"Sample without a TYPE'd family at {where}.");
            if (owner.Help is null) throw new FormatException($"Family {owner.Name} has no HELP before {where}.");
            Switch(owner.Name, where);
            var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!series.Add(key)) throw new FormatException($"Duplicate series {key} at {where}.");
            if (owner.Type == "counter" && (sample.Value < 0 || double.IsNaN(sample.Value)))
                throw new FormatException($"Negative counter at {where}.");
            owner.Samples.Add(sample);
        }

        foreach (var family in families.Values)
        {
            if (family.Type is null) throw new FormatException($"Family {family.Name} has HELP but no TYPE.");
            if (family.Type == "histogram") CheckHistogram(family);
        }
        return new Exposition(families);

        Family Switch(string name, string where)
        {
            if (current?.Name == name) return current;
            if (current is not null) finished.Add(current.Name);
            if (finished.Contains(name)) throw new FormatException($"Family {name} is not contiguous at {where}.");
            if (!families.TryGetValue(name, out var family))
                families[name] = family = new Family(name);
            return current = family;
        }
    }

    private static Family? FamilyOf(string sampleName, Dictionary<string, Family> families)
    {
        if (families.TryGetValue(sampleName, out var f) && f.Type is not null and not "histogram" and not "summary")
            return f;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal)
                && families.TryGetValue(sampleName[..^suffix.Length], out f) && f.Type is "histogram" or "summary")
            {
                if (suffix == "_bucket" && f.Type == "summary") return null;
                return f;
            }
        return null;
    }

    private static Sample ParseSample(string line, string where)
    {
        var i = 0;
        var name = MetricName().Match(line);
        if (!name.Success) throw new FormatException($"Bad metric name at {where}.");
        i = name.Length;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i < line.Length && line[i] == '}') { i++; break; }
                var label = LabelName().Match(line, i);
                if (!label.Success || label.Index != i) throw new FormatException($"Bad label name at {where}.");
                if (label.Value.StartsWith("__", StringComparison.Ordinal)) throw new FormatException($"Reserved label name at {where}.");
                i += label.Length;
                if (i + 1 >= line.Length || line[i] != '=' || line[i + 1] != '"') throw new FormatException($"Expected =\" at {where}.");
                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length) throw new FormatException($"Unterminated label value at {where}.");
                    var c = line[i++];
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        if (i >= line.Length) throw new FormatException($"Dangling escape at {where}.");
                        value.Append(line[i++] switch
                        {
                            '\\' => '\\', '"' => '"', 'n' => '\n',
                            _ => throw new FormatException($"Bad escape in label value at {where}."),
                        });
                    }
                    else value.Append(c);
                }
                if (!labels.TryAdd(label.Value, value.ToString())) throw new FormatException($"Repeated label at {where}.");
                if (i < line.Length && line[i] == ',') { i++; continue; }
                if (i < line.Length && line[i] == '}') { i++; break; }
                throw new FormatException($"Expected , or }} at {where}.");
            }
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException($"Expected one space before the value at {where}.");
        var parts = line[(i + 1)..].Split(' ');
        if (parts.Length is < 1 or > 2) throw new FormatException($"Expected value [timestamp] at {where}.");
        var number = ParseValue(parts[0], where);
        if (parts.Length == 2 && !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new FormatException($"Bad timestamp at {where}.");
        return new Sample(name.Value, labels, number);
    }

    public static double ParseValue(string s, string where) => s switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when NumberText().IsMatch(s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => throw new FormatException($"Bad number \"{s}\" at {where}."),
    };

    private static string Unescape(string s, bool allowQuote, string where)
    {
        var b = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\') { b.Append(s[i]); continue; }
            if (++i >= s.Length) throw new FormatException($"Dangling escape at {where}.");
            b.Append(s[i] switch
            {
                '\\' => '\\', 'n' => '\n', '"' when allowQuote => '"',
                _ => throw new FormatException($"Bad escape at {where}."),
            });
        }
        return b.ToString();
    }

    private static void CheckHistogram(Family family)
    {
        var groups = family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")));
        foreach (var g in groups)
        {
            var buckets = g.Where(s => s.Name == family.Name + "_bucket").ToList();
            if (buckets.Count == 0) throw new FormatException($"Histogram {family.Name}{{{g.Key}}} has no buckets.");
            var previousLe = double.NegativeInfinity;
            var previousCount = 0.0;
            foreach (var b in buckets)
            {
                if (!b.Labels.TryGetValue("le", out var leText)) throw new FormatException($"Bucket without le in {family.Name}{{{g.Key}}}.");
                var le = ParseValue(leText, family.Name);
                if (le <= previousLe) throw new FormatException($"Buckets of {family.Name}{{{g.Key}}} are not in ascending le order.");
                if (b.Value < previousCount) throw new FormatException($"Buckets of {family.Name}{{{g.Key}}} are not cumulative.");
                previousLe = le;
                previousCount = b.Value;
            }
            if (!double.IsPositiveInfinity(previousLe)) throw new FormatException($"Histogram {family.Name}{{{g.Key}}} lacks le=\"+Inf\".");
            var count = g.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"Histogram {family.Name}{{{g.Key}}} lacks _count.");
            if (count.Value != previousCount) throw new FormatException($"Histogram {family.Name}{{{g.Key}}}: _count {count.Value} != +Inf bucket {previousCount}.");
            _ = g.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"Histogram {family.Name}{{{g.Key}}} lacks _sum.");
        }
    }

    [GeneratedRegex(@"^# (?<kind>HELP|TYPE) (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<rest>.*)$")]
    private static partial Regex MetaLine();

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex NumberText();
}
