namespace IbmiMcp.Cli;

internal static class HelpText
{
    public const string Usage = """
        ibmi-mcp — MCP server for IBM i (Db2 for i over Mapepire)

        Usage:
          ibmi-mcp [serve] [options]        run the MCP server (default)
          ibmi-mcp token [options]          get a Bearer token from a running server (ibmi-mcp token --help)
          ibmi-mcp keygen [options]         create the RSA key pair for IBM i HTTP auth (ibmi-mcp keygen --help)
          ibmi-mcp tools validate PATH      check YAML tool files offline
          ibmi-mcp healthcheck [--url URL]  probe GET /healthz of a running server: exit 0 on 200, else 1
          ibmi-mcp --version | --help

        Serve options (flags win over the environment, which wins over the .env file):
          -t, --transport http|stdio        MCP transport (MCP_TRANSPORT_TYPE, default stdio)
              --host ADDRESS                bind address (MCP_HTTP_HOST, default 127.0.0.1)
              --port N                      HTTP port, 0 = any free port (MCP_HTTP_PORT, default 3010)
              --tools PATH                  YAML tool file or directory (TOOLS_YAML_PATH)
          -ts, --toolsets a,b               only tools of these toolsets (SELECTED_TOOLSETS)
              --list-toolsets               print the toolsets of --tools and exit
              --builtin-tools               enable the built-in discovery tools (IBMI_ENABLE_DEFAULT_TOOLS)
              --execute-sql                 enable the execute_sql tool (IBMI_ENABLE_EXECUTE_SQL)
          -h, --help                        this text
              --version                     print the version

        The .env file is MCP_SERVER_CONFIG, else ./.env. Every setting is listed in the README.
        """;
}
