using System.Text.Json;
using BenchmarkDotNet.Attributes;
using IbmiMcp.Tools;

namespace IbmiMcp.Bench.Tools;

/// <summary>
/// tools/call hot path before the database: validate and coerce 5 arguments (pattern, enum, range, boolean,
/// array), bind them, security verdict, build the SqlCommand. Target ≤ 2 µs.
/// </summary>
[MemoryDiagnoser]
public class ToolBindBenchmarks
{
    private SqlTool _tool = null!;
    private SqlTool _arrayTool = null!;
    private Dictionary<string, JsonElement> _args5 = null!;
    private Dictionary<string, JsonElement> _argsArray = null!;

    [GlobalSetup]
    public void Setup()
    {
        const string yaml = """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              five:
                source: s
                description: five parameters
                statement: |
                  SELECT E.EMPNO, E.LASTNAME, E.SALARY FROM SAMPLE.EMPLOYEE E
                   WHERE E.EMPNO = :employee_id AND E.WORKDEPT = :department
                     AND E.SALARY >= :min_salary AND (:active = 1 OR E.JOB = 'X') AND E.JOB LIKE :job_pattern
                   ORDER BY E.LASTNAME FETCH FIRST 100 ROWS ONLY
                parameters:
                  - {name: employee_id, type: string, pattern: "^[0-9]{6}$", required: true}
                  - {name: department, type: string, enum: [A00, B01, C01, D11, E21]}
                  - {name: min_salary, type: integer, min: 0, max: 1000000, default: 0}
                  - {name: active, type: boolean, default: true}
                  - {name: job_pattern, type: string, maxLength: 8, default: "%"}
              arrays:
                source: s
                description: array expansion
                statement: SELECT * FROM SAMPLE.EMPPROJACT WHERE PROJNO IN (:projects) AND EMPTIME > :t
                parameters:
                  - {name: projects, type: array, itemType: string, maxLength: 10}
                  - {name: t, type: float, default: 0}
            """;
        var catalog = ToolCatalogLoader.LoadText("bench.yaml", yaml).Catalog!;
        _tool = catalog.Tools["five"];
        _arrayTool = catalog.Tools["arrays"];
        _args5 = new Dictionary<string, JsonElement>
        {
            ["employee_id"] = JsonElement.Parse("\"000010\""),
            ["department"] = JsonElement.Parse("\"A00\""),
            ["min_salary"] = JsonElement.Parse("30000"),
            ["active"] = JsonElement.Parse("true"),
            ["job_pattern"] = JsonElement.Parse("\"MANAGER\""),
        };
        _argsArray = new Dictionary<string, JsonElement> { ["projects"] = JsonElement.Parse("""["AD3100","AD3110","MA2100"]""") };
    }

    [Benchmark(Baseline = true)]
    public object? ValidateAndBind_5_parameters()
    {
        ToolCallPreparer.TryPrepare(_tool, _args5, out var call, out _);
        return call;
    }

    [Benchmark]
    public object? ValidateAndBind_array_expansion()
    {
        ToolCallPreparer.TryPrepare(_arrayTool, _argsArray, out var call, out _);
        return call;
    }
}
