{#- Fixed SQL of every events rewrite, the same whatever the declarations say: the progress
    table, the guard trigger function, the exchange of the live table with a standby, and the
    locks the exchange takes. Takes only the schema (`s` as an identifier, `s_name` as a
    literal). Rendered ahead of the migration's own functions (templates/migrate/events.sql.j2). -#}
{{ pin_search_path }}

-- Progress of every migration run (one row each); a batch moves the row in its own
-- transaction, so a run stopped at any point resumes where its last batch ended.
create table if not exists {{ s }}.escodegen_migrations (
    migration_id text not null,
    kind text not null,
    status text not null,
    standby_table text,
    backup_table text,
    start_xmin xid8,
    copied_upto bigint not null default 0,
    copied bigint not null default 0,
    swap_position bigint,
    verified_upto bigint,
    verified_xmin xid8,
    guard_tripped boolean not null default false,
    detail jsonb not null default '{}',
    started_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    finished_at timestamptz,
    constraint escodegen_migrations_pkey primary key (migration_id)
);
-- Columns added since the table's first version (a database migrated by an earlier escodegen
-- has the table without them).
alter table {{ s }}.escodegen_migrations
    add column if not exists verified_upto bigint,
    add column if not exists verified_xmin xid8,
    add column if not exists guard_tripped boolean not null default false;

-- Fires on any change to the live table but an append, and on any change to the standby
-- that the migration's own functions did not make (they mark their transactions): the
-- verification done ahead of the swap no longer holds, so the swap verifies everything.
-- Security definer: whichever role makes the change may not write the progress table.
create or replace function {{ s }}.escodegen_migration_guard()
returns trigger
language plpgsql
security definer
{{ search_path }}
as {% filter body %}
begin
    if current_setting('escodegen.migration', true) is distinct from tg_argv[0] then
        update {{ s }}.escodegen_migrations set guard_tripped = true
         where migration_id = tg_argv[0];
    end if;
    return null;
end
{% endfilter %};

-- Moves the live `events` table aside (as p_retire_as) and puts p_standby in its place:
-- indexes, constraints, identity sequence, triggers, grants, and the views and functions
-- bound to the table or its row type follow, so the store's SQL keeps working unchanged.
-- The caller holds the lock on the live table and runs this in its own transaction.
create or replace function {{ s }}.escodegen_exchange_events(p_standby text, p_retire_as text)
returns void
language plpgsql
{{ search_path }}  -- captured definitions then name every object with its schema
as {% filter body %}
declare
    v_live regclass := to_regclass(format('%I.events', {{ s_name }}));
    v_standby regclass := to_regclass(format('%I.%I', {{ s_name }}, p_standby));
    v_rowtype oid;
    v_suffix text := '_' || substr(md5(p_retire_as), 1, 8);
    v_views text[];
    v_functions record;
    v_function_oids oid[] := '{}';
    v_function_names text[] := '{}';
    v_function_defs text[] := '{}';
    v_function_owners text[] := '{}';
    v_function_acls text[] := '{}';
    v_triggers text[];
    v_item record;
    v_sql text;
begin
    if v_live is null or v_standby is null then
        raise exception using errcode = 'ESMIG',
            message = format('cannot exchange %I.events and %I.%I: a table is missing',
                             {{ s_name }}, {{ s_name }}, p_standby);
    end if;
    if exists (select from pg_constraint where confrelid = v_live) then
        raise exception using errcode = 'ESMIG',
            message = format('%s is referenced by a foreign key: drop it before the swap', v_live);
    end if;
    if exists (select from pg_depend d join pg_rewrite r on r.oid = d.objid
                 join pg_class c on c.oid = r.ev_class
                where d.classid = 'pg_rewrite'::regclass and d.refobjid = v_live
                  and c.relkind = 'm') then
        raise exception using errcode = 'ESMIG',
            message = format('a materialized view reads %s: drop it before the swap', v_live);
    end if;
    select reltype into v_rowtype from pg_class where oid = v_live;

    -- 1. Capture, while the names still mean the live table.
    select coalesce(array_agg(format('create or replace view %s as %s', c.oid::regclass,
                                     pg_get_viewdef(c.oid)) order by c.oid), '{}')
      into v_views
      from pg_class c
     where c.relkind = 'v'
       and c.oid in (select r.ev_class from pg_depend d join pg_rewrite r on r.oid = d.objid
                      where d.classid = 'pg_rewrite'::regclass and d.refobjid = v_live
                        and r.ev_class <> v_live);
    for v_functions in
        select distinct p.oid, p.oid::regprocedure::text as name, pg_get_functiondef(p.oid) as def,
               pg_get_userbyid(p.proowner) as owner, p.proacl::text as acl
          from pg_depend d join pg_proc p on p.oid = d.objid
         where d.classid = 'pg_proc'::regclass
           and d.refobjid in (v_live, v_rowtype)
    loop
        v_function_oids := v_function_oids || v_functions.oid;
        v_function_names := v_function_names || v_functions.name;
        v_function_defs := v_function_defs || v_functions.def;
        v_function_owners := v_function_owners || v_functions.owner;
        v_function_acls := v_function_acls || v_functions.acl;
    end loop;
    select coalesce(array_agg(pg_get_triggerdef(t.oid) order by t.tgname), '{}')
      into v_triggers
      from pg_trigger t
     where t.tgrelid = v_live and not t.tgisinternal
       and not exists (select from pg_trigger o where o.tgrelid = v_standby and o.tgname = t.tgname);

    -- 2. The sequence goes on from where the live one is, so no position is taken twice.
    for v_item in
        select pg_get_serial_sequence(v_live::text, a.attname) as live_seq,
               pg_get_serial_sequence(v_standby::text, a.attname) as standby_seq
          from pg_attribute a
         where a.attrelid = v_live and a.attidentity <> '' and not a.attisdropped
    loop
        execute format('select setval(%L, greatest(s.last_value, 1), s.is_called) from %s s',
                       v_item.standby_seq, v_item.live_seq);
        execute format('alter sequence %s rename to %I', v_item.live_seq,
                       left(split_part(v_item.live_seq, '.', 2), 50) || v_suffix);
        execute format('alter sequence %s rename to %I', v_item.standby_seq,
                       split_part(v_item.live_seq, '.', 2));
    end loop;

    -- 3. Index (and constraint) names: the standby's index of the same definition takes the
    -- live one's name; the retired table's get a suffix.
    for v_item in
        select l.indexrelid as live_index, lc.relname as live_name, s.indexrelid as standby_index
          from pg_index l join pg_class lc on lc.oid = l.indexrelid
          left join pg_index s on s.indrelid = v_standby
               and regexp_replace(pg_get_indexdef(s.indexrelid), ' INDEX \S+ ON \S+ ', ' INDEX ON ')
                 = regexp_replace(pg_get_indexdef(l.indexrelid), ' INDEX \S+ ON \S+ ', ' INDEX ON ')
         where l.indrelid = v_live
    loop
        execute format('alter index %s rename to %I', v_item.live_index::regclass,
                       left(v_item.live_name, 50) || v_suffix);
        if v_item.standby_index is not null then
            execute format('alter index %s rename to %I', v_item.standby_index::regclass,
                           v_item.live_name);
        end if;
    end loop;

    -- 4. The tables themselves.
    execute format('alter table %s rename to %I', v_live, p_retire_as);
    execute format('alter table %s rename to events', v_standby);
    execute format('alter table %I.events owner to %I', {{ s_name }},
                   (select pg_get_userbyid(relowner) from pg_class where oid = v_live));
    for v_item in
        select a.privilege_type, a.grantee, a.is_grantable
          from pg_class c, aclexplode(c.relacl) a
         where c.oid = v_live and a.grantee <> c.relowner
    loop
        execute format('grant %s on %I.events to %s%s', v_item.privilege_type, {{ s_name }},
                       case when v_item.grantee = 0 then 'public'
                            else quote_ident(pg_get_userbyid(v_item.grantee)) end,
                       case when v_item.is_grantable then ' with grant option' else '' end);
    end loop;

    -- 5. Dependents now bind to the table that carries the name.
    foreach v_sql in array v_triggers loop
        execute v_sql;
    end loop;
    foreach v_sql in array v_views loop
        execute v_sql;
    end loop;
    -- A function's signature names the row type of the table it was created with: it is
    -- created again (same text, owner and grants) to name the new one.
    for i in 1 .. coalesce(array_length(v_function_oids, 1), 0) loop
        execute format('drop function %s', v_function_oids[i]::regprocedure);
        execute v_function_defs[i];
        execute format('alter function %s owner to %I', v_function_names[i], v_function_owners[i]);
        continue when v_function_acls[i] is null;
        execute format('revoke all on function %s from public', v_function_names[i]);
        for v_item in select a.grantee, a.is_grantable from aclexplode(v_function_acls[i]::aclitem[]) a
        loop
            execute format('grant execute on function %s to %s%s', v_function_names[i],
                           case when v_item.grantee = 0 then 'public'
                                else quote_ident(pg_get_userbyid(v_item.grantee)) end,
                           case when v_item.is_grantable then ' with grant option' else '' end);
        end loop;
    end loop;
end
{% endfilter %};

-- Takes, for an exchange of `events` with p_first, every lock it needs, strongest first and in
-- one order: p_first, then each view reading `events`, then `events` itself, all in access
-- exclusive mode. An appender takes access share on `events` and later row exclusive on it; a
-- caller that held a weaker lock on `events` and then asked for a stronger one would deadlock
-- with it, and a reader of a view locks the view before the table. Each attempt waits at most
-- p_lock_timeout; a lost attempt releases what it took (its subtransaction) and, after a pause
-- of up to a second, tries again, at most p_attempts times in all, then raises ESMIG.
create or replace function {{ s }}.escodegen_lock_for_exchange(
    p_first regclass, p_lock_timeout text, p_attempts integer)
returns void
language plpgsql
{{ search_path }}
as {% filter body %}
declare
    v_live regclass := to_regclass(format('%I.events', {{ s_name }}));
    v_view regclass;
begin
    perform set_config('lock_timeout', p_lock_timeout, true);
    for v_attempt in 1 .. p_attempts loop
        begin
            execute format('lock table %s in access exclusive mode', p_first);
            for v_view in
                select distinct r.ev_class::regclass
                  from pg_depend d join pg_rewrite r on r.oid = d.objid
                 where d.classid = 'pg_rewrite'::regclass and d.refobjid = v_live
                   and r.ev_class <> v_live
                 order by 1
            loop
                execute format('lock table %s in access exclusive mode', v_view);
            end loop;
            execute format('lock table %s in access exclusive mode', v_live);
            return;
        exception when lock_not_available or deadlock_detected then
            if v_attempt = p_attempts then
                raise exception using errcode = 'ESMIG',
                    message = format('could not lock %s within %s attempts of %s each, nothing '
                                     'swapped: try again at a quieter moment or with a longer '
                                     'lock timeout', v_live, p_attempts, p_lock_timeout);
            end if;
            perform pg_sleep(random());  -- up to a second, so two callers do not meet again
        end;
    end loop;
end
{% endfilter %};

-- PostgreSQL grants EXECUTE on a new function to PUBLIC. None of these is for the application:
-- the guard runs with its owner's rights (security definer) and would let any role that may
-- attach it to a table of its own mark a run; the others need the tables' owner anyway.
revoke all on function {{ s }}.escodegen_migration_guard() from public;
revoke all on function {{ s }}.escodegen_exchange_events(text, text) from public;
revoke all on function {{ s }}.escodegen_lock_for_exchange(regclass, text, integer) from public;
