using IbmiMcp.Mapepire;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Tools;

public sealed class SqlBindPlanTests
{
    private static ToolParameter P(string name, ToolParameterType type = ToolParameterType.String) => new() { Name = name, Type = type };

    private static SqlBindPlan Compile(string sql, params ToolParameter[] ps)
    {
        var errors = new List<string>();
        var plan = SqlBindPlan.Compile(sql, ps, errors);
        Assert.True(plan is not null, string.Join("; ", errors));
        return plan!;
    }

    private static List<string> Errors(string sql, params ToolParameter[] ps)
    {
        var errors = new List<string>();
        Assert.Null(SqlBindPlan.Compile(sql, ps, errors));
        return errors;
    }

    [Fact]
    public void Named_markers_become_question_marks_in_order()
    {
        var plan = Compile("SELECT * FROM T WHERE A = :a AND B = :b", P("a"), P("b", ToolParameterType.Integer));
        var bound = plan.Bind([ArgumentValue.String("x"), ArgumentValue.Integer(5)]);
        Assert.Equal(ParameterMode.Named, plan.Mode);
        Assert.Equal("SELECT * FROM T WHERE A = ? AND B = ?", bound.Sql);
        Assert.Equal(["x", "5"], bound.Parameters.Select(p => p.ToString()));
        Assert.Same(plan.StaticSql, bound.Sql);
    }

    [Fact]
    public void Markers_inside_literals_identifiers_and_comments_are_left_alone()
    {
        var plan = Compile("SELECT ':x', \"A:B\", TIME '10:30' FROM T -- :x\n WHERE A = :x /* :x */", P("x"));
        var bound = plan.Bind([ArgumentValue.String("v")]);
        Assert.Equal("SELECT ':x', \"A:B\", TIME '10:30' FROM T -- :x\n WHERE A = ? /* :x */", bound.Sql);
        Assert.Single(bound.Parameters);
    }

    [Fact]
    public void Repeated_names_bind_repeatedly()
    {
        var plan = Compile("SELECT * FROM D WHERE (D.DEPTNO = :d OR :d = '*ALL')", P("d"));
        var bound = plan.Bind([ArgumentValue.String("A00")]);
        Assert.Equal("SELECT * FROM D WHERE (D.DEPTNO = ? OR ? = '*ALL')", bound.Sql);
        Assert.Equal(["A00", "A00"], bound.Parameters.Select(p => p.ToString()));
    }

    [Fact]
    public void Arrays_expand_to_one_marker_per_item()
    {
        var plan = Compile("SELECT * FROM T WHERE P IN (:ids) AND X = :x", P("ids", ToolParameterType.Array), P("x"));
        var bound = plan.Bind([ArgumentValue.Array([SqlValue.From("A"), SqlValue.From("B"), SqlValue.From("C")]), ArgumentValue.String("y")]);
        Assert.Equal("SELECT * FROM T WHERE P IN (?, ?, ?) AND X = ?", bound.Sql);
        Assert.Equal(["A", "B", "C", "y"], bound.Parameters.Select(p => p.ToString()));
    }

    [Fact]
    public void Empty_array_binds_a_single_null()
    {
        var plan = Compile("SELECT * FROM T WHERE P IN (:ids)", P("ids", ToolParameterType.Array));
        var bound = plan.Bind([ArgumentValue.Array([])]);
        Assert.Equal("SELECT * FROM T WHERE P IN (?)", bound.Sql);
        Assert.Equal(SqlValue.ValueKind.Null, Assert.Single(bound.Parameters).Kind);
    }

    [Fact]
    public void Booleans_bind_as_one_and_zero()
    {
        var plan = Compile("SELECT * FROM T WHERE (:c = 1 OR E IS NULL)", P("c", ToolParameterType.Boolean));
        Assert.Equal(1L, plan.Bind([ArgumentValue.Bool(true)]).Parameters[0].AsInteger);
        Assert.Equal(0L, plan.Bind([ArgumentValue.Bool(false)]).Parameters[0].AsInteger);
    }

    [Fact]
    public void Missing_optional_parameter_binds_an_empty_string()
    {
        var plan = Compile("SELECT * FROM T WHERE A = :a", P("a"));
        var v = Assert.Single(plan.Bind([ArgumentValue.Missing(ToolParameterType.String)]).Parameters);
        Assert.Equal("", v.AsString);
    }

    [Fact]
    public void Positional_markers_take_parameters_in_declaration_order()
    {
        var plan = Compile("SELECT * FROM T WHERE A = ? AND B = ? AND C = '?'", P("a"), P("b"));
        Assert.Equal(ParameterMode.Positional, plan.Mode);
        Assert.Equal(["1", "2"], plan.Bind([ArgumentValue.String("1"), ArgumentValue.String("2")]).Parameters.Select(p => p.ToString()));
    }

    [Fact]
    public void Hybrid_binds_names_then_the_remaining_parameters_positionally()
    {
        var plan = Compile("SELECT * FROM T WHERE A = :a AND B = ? AND C = :a AND D = ?", P("a"), P("b"), P("c"));
        Assert.Equal(ParameterMode.Hybrid, plan.Mode);
        var bound = plan.Bind([ArgumentValue.String("A"), ArgumentValue.String("B"), ArgumentValue.String("C")]);
        Assert.Equal(["A", "B", "A", "C"], bound.Parameters.Select(p => p.ToString()));
    }

    [Fact]
    public void Too_many_question_marks_is_a_load_error()
    {
        var e = Assert.Single(Errors("SELECT * FROM T WHERE A = ? AND B = ?", P("a")));
        Assert.StartsWith("Statement has more '?' markers than parameters", e);
    }

    [Fact]
    public void Statement_that_is_exactly_the_parameter_is_direct_substitution()
    {
        var plan = Compile("  :sql\n", P("sql"));
        Assert.Equal(ParameterMode.DirectSubstitution, plan.Mode);
        var bound = plan.Bind([ArgumentValue.String("SELECT 1 FROM SYSIBM.SYSDUMMY1")]);
        Assert.Equal("SELECT 1 FROM SYSIBM.SYSDUMMY1", bound.Sql);
        Assert.Empty(bound.Parameters);
    }

    [Fact]
    public void Unknown_and_digit_names_are_reported_together()
    {
        var errors = Errors("SELECT * FROM T WHERE A = :nope AND B = :1", P("a"));
        Assert.Equal(2, errors.Count);
        Assert.Contains("Statement references ':nope' but the tool defines no parameter named 'nope'", errors);
        Assert.Contains(errors, e => e.StartsWith("Invalid named parameter syntax found: ':1'", StringComparison.Ordinal));
    }

    [Fact]
    public void Template_marker_in_a_literal_is_not_a_template()
    {
        var plan = Compile("SELECT '{{x}}' FROM T WHERE A = :a", P("a"));
        Assert.Equal(ParameterMode.Named, plan.Mode);
    }
}

public sealed class SqlBindPlanTerminatorTests
{
    [Theory]
    [InlineData("SELECT 1 FROM X;", "SELECT 1 FROM X")]
    [InlineData("SELECT 1 FROM X ;  -- done", "SELECT 1 FROM X")]
    [InlineData("SELECT ';' FROM X", "SELECT ';' FROM X")]
    [InlineData("SELECT 1 FROM X; SELECT 2 FROM X", "SELECT 1 FROM X; SELECT 2 FROM X")]
    public void Final_terminator_is_dropped_and_nothing_else(string sql, string expected) =>
        Assert.Equal(expected, SqlBindPlan.WithoutTerminator(sql));
}
