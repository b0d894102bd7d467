using System.Text;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>
/// A statement cut at its parameter markers, computed once at load by <see cref="Compile"/> (tokenizer-based,
/// so ':x' in a literal, "A:B" and markers in comments are left alone). Binding then only picks values:
/// without array parameters the SQL text is a precomputed string and no text is built per call.
/// </summary>
internal sealed class SqlBindPlan
{
    private readonly string[] _segments;      // text around markers; _segments.Length == _markerParameter.Length + 1
    private readonly int[] _markerParameter;  // parameter index bound at each marker
    private readonly bool _hasArrayMarker;

    private SqlBindPlan(ParameterMode mode, string[] segments, int[] markerParameter, bool hasArrayMarker, string staticSql)
    {
        Mode = mode; _segments = segments; _markerParameter = markerParameter; _hasArrayMarker = hasArrayMarker; StaticSql = staticSql;
    }

    public ParameterMode Mode { get; }
    /// <summary>The SQL with every marker as one `?`; also the text sent when no array parameter is bound.</summary>
    public string StaticSql { get; }
    public int MarkerCount => _markerParameter.Length;

    public static string ModeName(ParameterMode mode) => mode switch
    {
        ParameterMode.Named => "named",
        ParameterMode.Positional => "positional",
        ParameterMode.Hybrid => "hybrid",
        ParameterMode.DirectSubstitution => "direct",
        _ => "none",
    };

    /// <summary>Builds the plan, or returns the reasons the statement cannot be bound (all of them).</summary>
    public static SqlBindPlan? Compile(string statement, IReadOnlyList<ToolParameter> parameters, List<string> errors)
    {
        if (parameters.Count == 1 && statement.AsSpan().Trim().Equals(":" + parameters[0].Name, StringComparison.Ordinal))
            return new SqlBindPlan(ParameterMode.DirectSubstitution, [statement], [], false, statement);

        statement = WithoutTerminator(statement);
        var lexer = new SqlTokenizer(statement);
        var markers = new List<(SqlToken Token, int Parameter)>();
        bool named = false, positional = false;
        int errorCount = errors.Count;
        while (lexer.Next(out var token))
        {
            switch (token.Kind)
            {
                case SqlTokenKind.TemplateOpen:
                    errors.Add("Template mode ({{param}}) is deprecated. Use named parameters (:param) or positional parameters (?) instead.");
                    return null;
                case SqlTokenKind.NamedMarker:
                {
                    var name = statement.Substring(token.Start + 1, token.Length - 1);
                    if (char.IsAsciiDigit(name[0]))
                    {
                        errors.Add($"Invalid named parameter syntax found: ':{name}' (a parameter name cannot start with a digit)");
                        continue;
                    }
                    int index = IndexOf(parameters, name);
                    if (index < 0)
                    {
                        errors.Add($"Statement references ':{name}' but the tool defines no parameter named '{name}'");
                        continue;
                    }
                    named = true;
                    markers.Add((token, index));
                    break;
                }
                case SqlTokenKind.PositionalMarker:
                    positional = true;
                    markers.Add((token, -1));
                    break;
            }
        }
        if (lexer.Error != SqlLexError.None)
        {
            errors.Add($"{SqlTokenizer.Describe(lexer.Error)} at offset {lexer.ErrorPosition}");
            return null;
        }

        // Positional markers take, in order, the parameters that no :name marker references (hybrid done
        // right: the reference left them unbound). With only `?`, that is every parameter in order.
        if (positional)
        {
            var referenced = new bool[parameters.Count];
            foreach (var m in markers) if (m.Parameter >= 0) referenced[m.Parameter] = true;
            int next = 0;
            for (int i = 0; i < markers.Count; i++)
            {
                if (markers[i].Parameter >= 0) continue;
                while (next < parameters.Count && referenced[next]) next++;
                if (next >= parameters.Count)
                {
                    errors.Add($"Statement has more '?' markers than parameters available to bind them ({parameters.Count} parameters, {CountPositional(markers)} '?' markers{(named ? " plus named markers" : "")})");
                    break;
                }
                markers[i] = (markers[i].Token, next++);
            }
        }
        if (errors.Count > errorCount) return null;

        var segments = new string[markers.Count + 1];
        var markerParameter = new int[markers.Count];
        var sql = new StringBuilder(statement.Length);
        int last = 0;
        bool hasArray = false;
        for (int i = 0; i < markers.Count; i++)
        {
            var (token, p) = markers[i];
            segments[i] = statement[last..token.Start];
            markerParameter[i] = p;
            hasArray |= parameters[p].Type == ToolParameterType.Array;
            sql.Append(segments[i]).Append('?');
            last = token.End;
        }
        segments[^1] = statement[last..];
        sql.Append(segments[^1]);

        var mode = named && positional ? ParameterMode.Hybrid : named ? ParameterMode.Named : positional ? ParameterMode.Positional : ParameterMode.None;
        return new SqlBindPlan(mode, segments, markerParameter, hasArray, sql.ToString());
    }

    /// <summary>
    /// Binds validated values (one per tool parameter, in declaration order). Repeated names bind repeatedly,
    /// arrays expand to `?, ?, ?` (an empty array to one NULL, so `IN (?)` stays valid and matches nothing).
    /// </summary>
    public BoundStatement Bind(ReadOnlySpan<ArgumentValue> values)
    {
        if (Mode == ParameterMode.DirectSubstitution)
            return new BoundStatement(values[0].Scalar.AsString ?? "", []);

        var markers = _markerParameter;
        int count = 0;
        for (int i = 0; i < markers.Length; i++) count += values[markers[i]].MarkerCount;
        var bound = count == 0 ? [] : new SqlValue[count];
        int k = 0;
        for (int i = 0; i < markers.Length; i++)
        {
            ref readonly var v = ref values[markers[i]];
            if (v.Items is { } items)
            {
                if (items.Length == 0) bound[k++] = SqlValue.Null;
                else { items.CopyTo(bound, k); k += items.Length; }
            }
            else bound[k++] = v.Scalar;
        }
        if (!_hasArrayMarker) return new BoundStatement(StaticSql, bound);

        var sql = new StringBuilder(StaticSql.Length + count * 3);
        for (int i = 0; i < markers.Length; i++)
        {
            sql.Append(_segments[i]);
            int n = values[markers[i]].MarkerCount;
            for (int j = 0; j < n; j++) sql.Append(j == 0 ? "?" : ", ?");
        }
        sql.Append(_segments[^1]);
        return new BoundStatement(sql.ToString(), bound);
    }

    /// <summary>
    /// Drops a final `;` (and anything after it, which can only be comments): Db2 refuses a terminator in a
    /// dynamic statement (SQL0104), while YAML authors often paste statements with one.
    /// </summary>
    public static string WithoutTerminator(string sql)
    {
        var lexer = new SqlTokenizer(sql);
        SqlToken last = default;
        bool any = false;
        while (lexer.Next(out var t)) { last = t; any = true; }
        if (!any || last.Kind != SqlTokenKind.Semicolon || lexer.Error != SqlLexError.None) return sql;
        return sql[..last.Start].TrimEnd();
    }

    private static int IndexOf(IReadOnlyList<ToolParameter> parameters, string name)
    {
        for (int i = 0; i < parameters.Count; i++)
            if (string.Equals(parameters[i].Name, name, StringComparison.Ordinal)) return i;
        return -1;
    }

    private static int CountPositional(List<(SqlToken Token, int Parameter)> markers)
    {
        int n = 0;
        foreach (var m in markers) if (m.Token.Kind == SqlTokenKind.PositionalMarker) n++;
        return n;
    }
}
