using System.Collections.Frozen;

namespace IbmiMcp.Tools;

/// <summary>
/// Routines that change something (run CL commands, write files, send data, consume queue entries, change
/// profiles or server settings) and therefore must not run from a read-only tool, even when called inside a
/// SELECT (the reference server's issue #188: `SELECT QSYS2.QCMDEXC('...')` passed its read-only check).
/// Matched on the routine name regardless of schema (QCMDEXC, QSYS2.QCMDEXC, "QSYS2"."QCMDEXC"), and only
/// where the name is called, i.e. followed by `(`. Procedures are listed too although CALL is already
/// refused: if one is ever reachable as a function, the list still holds. Keep docs/tools.md in sync.
/// </summary>
internal static class SideEffectingRoutines
{
    public static readonly FrozenSet<string> Names = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
    [
        // Command execution and dynamic SQL
        "QCMDEXC", "SQL_EXECUTE_IMMEDIATE", "ADMIN_CMD", "QCMD",
        // Profiles and authority
        "CHANGE_USER_PROFILE", "SET_OBJECT_OWNER",
        // Integrated file system and spreadsheets
        "IFS_WRITE", "IFS_WRITE_UTF8", "IFS_WRITE_BINARY", "GENERATE_SPREADSHEET",
        // Outbound HTTP (side effects on remote systems, and a data exfiltration channel)
        "HTTP_GET", "HTTP_GET_BLOB", "HTTP_GET_VERBOSE", "HTTP_GET_BLOB_VERBOSE",
        "HTTP_POST", "HTTP_POST_BLOB", "HTTP_POST_VERBOSE", "HTTP_POST_BLOB_VERBOSE",
        "HTTP_PUT", "HTTP_PUT_BLOB", "HTTP_PUT_VERBOSE", "HTTP_PUT_BLOB_VERBOSE",
        "HTTP_PATCH", "HTTP_PATCH_BLOB", "HTTP_PATCH_VERBOSE", "HTTP_PATCH_BLOB_VERBOSE",
        "HTTP_DELETE", "HTTP_DELETE_BLOB", "HTTP_DELETE_VERBOSE", "HTTP_DELETE_BLOB_VERBOSE",
        "HTTPGETCLOB", "HTTPGETBLOB", "HTTPPOSTCLOB", "HTTPPOSTBLOB", "HTTPPUTCLOB", "HTTPPUTBLOB",
        "HTTPDELETECLOB", "HTTPDELETEBLOB", "HTTPCLOB", "HTTPBLOB", "HTTPHEAD",
        "HTTPGETCLOBVERBOSE", "HTTPGETBLOBVERBOSE", "HTTPPOSTCLOBVERBOSE", "HTTPPOSTBLOBVERBOSE",
        "HTTPPUTCLOBVERBOSE", "HTTPPUTBLOBVERBOSE", "HTTPDELETECLOBVERBOSE", "HTTPDELETEBLOBVERBOSE",
        // Messages, queues (RECEIVE_* removes entries), MQ
        "SEND_MESSAGE", "LPRINTF", "SEND_DATA_QUEUE", "SEND_DATA_QUEUE_UTF8", "SEND_DATA_QUEUE_BINARY",
        "RECEIVE_DATA_QUEUE", "CLEAR_DATA_QUEUE", "MQSEND", "MQPUBLISH", "MQRECEIVE", "MQRECEIVECLOB",
        "MQRECEIVEALL", "MQRECEIVEALLCLOB", "MQSUBSCRIBE", "MQUNSUBSCRIBE",
        // Query engine, plan cache and job settings
        "OVERRIDE_QAQQINI", "OVERRIDE_TABLE", "CANCEL_SQL", "DUMP_SQL_CURSORS", "CHANGE_PLAN_CACHE_SIZE",
        "DUMP_PLAN_CACHE", "DUMP_PLAN_CACHE_PROPERTIES", "CLEAR_PLAN_CACHE", "END_ALL_PLAN_CACHE_EVENT_MONITORS",
        "START_PLAN_CACHE_EVENT_MONITOR", "RESET_TABLE_INDEX_STATISTICS", "RESET_ENVIRONMENTAL_LIMITS",
        "SET_SERVER_SBS_ROUTING", "SET_PASE_SHELL_INFO", "WLM_SET_CLIENT_INFO", "SET_CLIENT_INFO",
        // Generators and housekeeping procedures that write objects or delete data
        "GENERATE_SQL", "GENERATE_SQL_OBJECTS", "DELETE_OLD_SPOOLED_FILES", "REMOVE_PERFORMANCE_COLLECTION",
        "DELETE_SYSTEM_RESOURCES", "ANALYZE_CATALOG", "RESTART_IDENTITY", "CHANGE_SYSTEM_VALUE",
    ]);
}
