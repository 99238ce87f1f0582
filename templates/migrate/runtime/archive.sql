{#- Fixed SQL of `escodegen migrate archive` and `migrate restore`, the same whatever the
    declarations say. Takes only the schema (`s` as an identifier). The tombstone table
    `archived_streams` and the check readers and appenders make belong to the event store
    (templates/postgres/event_store.sql.j2). escodegen/db/archive.py calls these functions, in
    one transaction per archive or restore. A list of streams is matched with
    `in (select unnest(p_streams))`, a semi-join: `= any (p_streams)` on a parameter searches
    the array element by element for every row. -#}
{{ pin_search_path }}

-- The streams an archive by category and age would take: ids starting with p_prefix whose
-- last event was recorded before p_before; or exactly p_streams (those that have events).
create or replace function {{ s }}.escodegen_archive_candidates(
    p_prefix text, p_before timestamptz, p_streams text[])
returns table (stream_id text, event_count bigint, last_version bigint,
               last_recorded_at timestamptz)
language sql stable
{{ search_path }}
as {% filter body %}
    select e.stream_id, count(*), max(e.stream_position), max(e.recorded_at)
      from {{ s }}.events e
     where (p_streams is null or e.stream_id in (select unnest(p_streams)))
       and (p_prefix is null or starts_with(e.stream_id, p_prefix))
     group by e.stream_id
    having p_before is null or max(e.recorded_at) < p_before
     order by e.stream_id
{% endfilter %};

-- Every column of the streams' events as one JSON object per row, in global position order:
-- an archive file's lines (with the stream and position each is of). The time zone is fixed,
-- so the same rows give the same text in every session (the archive compares it with the file
-- before it removes anything).
create or replace function {{ s }}.escodegen_archive_rows(p_streams text[])
returns table (stream_id text, stream_position bigint, line text)
language sql stable
{{ search_path }}
set timezone to 'UTC'
as {% filter body %}
    select e.stream_id, e.stream_position, row_to_json(e)::text
      from {{ s }}.events e
     where e.stream_id in (select unnest(p_streams))
     order by e.global_position
{% endfilter %};

-- Locks the streams' rows (in stream id order, as appends to several streams do) and the
-- tombstones of them: no append or other archive or restore of them until the transaction
-- ends. Returns each stream's tombstone, if any.
create or replace function {{ s }}.escodegen_lock_archived(p_streams text[])
returns table (stream_id text, archive_id uuid, archive_file text)
language plpgsql
{{ search_path }}
as {% filter body %}
#variable_conflict use_column
begin
    perform from {{ s }}.streams s where s.stream_id in (select unnest(p_streams)) order by s.stream_id
        for update;
    return query
        select a.stream_id, a.archive_id, a.archive_file
          from {{ s }}.archived_streams a
         where a.stream_id in (select unnest(p_streams))
         order by a.stream_id
           for update;
end
{% endfilter %};

-- Removes the streams' events and snapshots and leaves a tombstone for each. The caller has
-- locked them (escodegen_lock_archived) and compared their rows with the archive file in the
-- same transaction. Returns the number of events removed.
create or replace function {{ s }}.escodegen_archive_streams(
    p_archive_id uuid, p_archive_file text, p_streams text[])
returns bigint
language plpgsql
{{ search_path }}
as {% filter body %}
declare
    v_removed bigint;
begin
    insert into {{ s }}.archived_streams (stream_id, archive_file, archive_id, event_count,
                                          last_version)
    select e.stream_id, p_archive_file, p_archive_id, count(*), max(e.stream_position)
      from {{ s }}.events e
     where e.stream_id in (select unnest(p_streams))
     group by e.stream_id;
    delete from {{ s }}.events e where e.stream_id in (select unnest(p_streams));
    get diagnostics v_removed = row_count;
    delete from {{ s }}.snapshots s where s.stream_id in (select unnest(p_streams));
    return v_removed;
end
{% endfilter %};

-- Puts the events of an archive back (the lines in pg_temp.escodegen_restore_lines, one row
-- per line, as escodegen_archive_rows wrote them) with every column as it was, positions
-- included, and removes the streams' tombstones of that archive. Raises ESARC when a stream
-- has no tombstone of this archive. Returns the number of events restored.
create or replace function {{ s }}.escodegen_restore_streams(p_archive_id uuid,
                                                             p_streams text[])
returns bigint
language plpgsql
{{ search_path }}
as {% filter body %}
declare
    v_missing text;
    v_restored bigint;
begin
    select x.id into v_missing
      from unnest(p_streams) as x(id)
     where not exists (select from {{ s }}.archived_streams a
                        where a.stream_id = x.id and a.archive_id = p_archive_id)
     order by x.id
     limit 1;
    if found then
        raise exception using errcode = 'ESARC',
            message = format('stream %s is not archived in this archive: nothing restored',
                             to_json(v_missing));
    end if;
    insert into {{ s }}.events overriding system value
    select r.*
      from pg_temp.escodegen_restore_lines l,
           jsonb_populate_record(null::{{ s }}.events, l.line::jsonb) r
     order by l.n;
    get diagnostics v_restored = row_count;
    delete from {{ s }}.archived_streams a
     where a.stream_id in (select unnest(p_streams)) and a.archive_id = p_archive_id;
    return v_restored;
end
{% endfilter %};

-- None of these is for the application: they need the store's owner anyway.
revoke all on function {{ s }}.escodegen_archive_candidates(text, timestamptz, text[]) from public;
revoke all on function {{ s }}.escodegen_archive_rows(text[]) from public;
revoke all on function {{ s }}.escodegen_lock_archived(text[]) from public;
revoke all on function {{ s }}.escodegen_archive_streams(uuid, text, text[]) from public;
revoke all on function {{ s }}.escodegen_restore_streams(uuid, text[]) from public;
