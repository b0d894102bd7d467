using System.Text.Json;
using IbmiMcp.Mapepire;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth;

/// <summary>
/// Reads, at sign-on and as the user who signs on, what authorization rules need: the group profile, the supplemental
/// groups and the special authorities (QSYS2.USER_INFO_BASIC, else QSYS2.USER_INFO on releases without it). A user may
/// always read their own row. Lists come in 10-character slots (SPECIAL_AUTHORITIES, SUPPLEMENTAL_GROUP_LIST).
/// </summary>
internal static class IbmiProfileReader
{
    private const string Columns = "GROUP_PROFILE_NAME, SUPPLEMENTAL_GROUP_LIST, SPECIAL_AUTHORITIES";

    /// <summary>The statement that reads the signed-on user's row from <paramref name="view"/>.</summary>
    internal static string StatementFor(string view) => $"SELECT {Columns} FROM {view} WHERE AUTHORIZATION_NAME = CURRENT USER";

    /// <summary>The profile, or one with <see cref="CallerProfile.Complete"/> false (logged) when it could not be read.</summary>
    public static async Task<CallerProfile> ReadAsync(string user, ISqlRunner sql, ILogger log, CancellationToken cancellationToken)
    {
        foreach (var view in new[] { "QSYS2.USER_INFO_BASIC", "QSYS2.USER_INFO" })
        {
            try
            {
                // No client tag: the read runs in the user's own new job, which the connect request already names
                // (CLIENT_APPLNAME), and a WLM_SET_CLIENT_INFO call first would cost a round trip and a CALL on
                // IBM i for every sign-on (0.16 ms of this server's CPU, bench/RESULTS.md issue 17). The first tool
                // statement on the connection sets its tag as usual.
                using var result = await sql.ExecuteAsync(new SqlCommand
                {
                    Sql = StatementFor(view),
                    Rows = 1,
                }, cancellationToken).ConfigureAwait(false);
                if (result.Rows.Count == 0) break;
                var row = result.Rows[0];
                return CallerProfile.ForIbmiUser(user, Cell(result, row, "GROUP_PROFILE_NAME"),
                    Slots(Cell(result, row, "SUPPLEMENTAL_GROUP_LIST")), Slots(Cell(result, row, "SPECIAL_AUTHORITIES")), complete: true);
            }
            catch (MapepireException ex) when (ex.Failure == MapepireFailure.Sql && ex.SqlState == "42704" && view.EndsWith("_BASIC", StringComparison.Ordinal))
            {
                // IBM i before 7.4 TR: no USER_INFO_BASIC; the full view has the same columns.
            }
            catch (MapepireException ex)
            {
                AuthLog.ProfileUnreadable(log, user.ToUpperInvariant(), ex.Message);
                return CallerProfile.ForIbmiUser(user, null, [], [], complete: false);
            }
        }
        AuthLog.ProfileUnreadable(log, user.ToUpperInvariant(), "no row for the user");
        return CallerProfile.ForIbmiUser(user, null, [], [], complete: false);
    }

    private static string? Cell(SqlResult result, JsonElement row, string column)
    {
        for (int i = 0; i < result.Columns.Count; i++)
        {
            if (!string.Equals(result.Columns[i].Name, column, StringComparison.OrdinalIgnoreCase) || i >= row.GetArrayLength()) continue;
            return row[i].ValueKind == JsonValueKind.String ? row[i].GetString() : null;
        }
        return null;
    }

    /// <summary>"*AUDIT    *SECADM" or "*AUDIT *SECADM" → [*AUDIT, *SECADM].</summary>
    internal static string[] Slots(string? list) =>
        string.IsNullOrWhiteSpace(list) ? [] : list.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
