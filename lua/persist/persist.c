/*
** persist.c: the sleepy-task persister (see persist.h and docs/sleepy-tasks.md).
**
** Written for luasim from the Lua 5.4 sources; the idea of permanents and of writing a thread
** as its stack plus its CallInfo chain is the one Pluto and Eris made known, the code is not
** theirs. Only what a coroutine suspended by coroutine.yield (from Lua code, not across pcall
** or a metamethod) needs is supported; everything else is refused with the path of the value.
**
** Canonical bytes: table entries are written in a defined order (array part, then keys sorted
** by kind and value, permanents by number, objects by the order they were first written), so
** the image does not depend on hash order or addresses. Entries whose key object has not been
** written yet are deferred to the end of the image, when it has.
*/
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lapi.h"
#include "lstate.h"
#include "lobject.h"
#include "lfunc.h"
#include "lgc.h"
#include "ldo.h"
#include "lstring.h"
#include "ldebug.h"

#include "persist.h"

/* Fields of the context table. */
enum { CTX_IDS = 1, CTX_OBJS, CTX_UPVALS, CTX_UPOWNER, CTX_UPINDEX, CTX_DIFFED, CTX_HASH, CTX_WRAP };

/* Value tags. */
enum {
  T_NIL, T_FALSE, T_TRUE, T_INT, T_FLOAT, T_STR, T_REF, T_PERM, T_TABLE, T_LCL, T_THREAD, T_WRAP,
  T_ABSENT
};
/* Upvalue kinds inside a closure. */
enum { U_REF, U_CLOSED, U_OPEN };

#define IMAGE_VERSION 1
#define MAX_DEPTH 120
/* Call-status bits a restored frame may carry. */
#define CIST_ALLOWED (CIST_OAH | CIST_C | CIST_FRESH | CIST_TAIL)

/* ---------------------------------------------------------------- the permanents walk */

static unsigned fnv(unsigned h, const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  while (n--) h = (h ^ *b++) * 16777619u;
  return h;
}

/* Sorted string keys of the table at `t`, pushed as an array table. */
static void sorted_string_keys(lua_State *L, int t) {
  int n = 0, i, j;
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      lua_pushvalue(L, -1);
      lua_rawseti(L, -3, ++n);
    }
  }
  /* insertion sort by bytes: library tables have tens of keys */
  for (i = 2; i <= n; i++) {
    for (j = i; j > 1; j--) {
      size_t la, lb;
      const char *a, *b;
      int c;
      lua_rawgeti(L, -1, j - 1);
      lua_rawgeti(L, -2, j);
      a = lua_tolstring(L, -2, &la);
      b = lua_tolstring(L, -1, &lb);
      c = memcmp(a, b, la < lb ? la : lb);
      if (c < 0 || (c == 0 && la <= lb)) { lua_pop(L, 2); break; }
      lua_rawseti(L, -3, j - 1);
      lua_rawseti(L, -2, j);
    }
  }
}

static int is_code(int type) {
  return type == LUA_TFUNCTION || type == LUA_TUSERDATA || type == LUA_TTABLE;
}

/* Breadth first from _G: tables by field (sorted names), Lua functions by upvalue. Tables held
** in upvalues are state, not permanents: their upvalues are listed instead. */
static void walk(lua_State *L, int ctx) {
  int q, qn, head = 1, tail = 0, nperm = 0, nup = 0;
  unsigned h = 2166136261u;
  lua_newtable(L); q = lua_gettop(L);
  lua_newtable(L); qn = lua_gettop(L);
  lua_newtable(L); /* upvalues seen */
  lua_pushglobaltable(L); lua_rawseti(L, q, ++tail);
  lua_pushliteral(L, "_G"); lua_rawseti(L, qn, tail);
  while (head <= tail) {
    int obj, name;
    size_t len;
    const char *s;
    lua_rawgeti(L, q, head); obj = lua_gettop(L);
    lua_rawgeti(L, qn, head); name = lua_gettop(L);
    head++;
    lua_rawgeti(L, ctx, CTX_IDS);
    lua_pushvalue(L, obj);
    if (lua_rawget(L, -2) != LUA_TNIL) { lua_settop(L, obj - 1); continue; }
    lua_pop(L, 1);
    lua_pushvalue(L, obj); lua_pushinteger(L, ++nperm); lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_rawgeti(L, ctx, CTX_OBJS); lua_pushvalue(L, obj); lua_rawseti(L, -2, nperm); lua_pop(L, 1);
    s = lua_tolstring(L, name, &len);
    h = fnv(h, s, len + 1);
    if (lua_type(L, obj) == LUA_TTABLE) {
      int keys, i, n;
      sorted_string_keys(L, obj); keys = lua_gettop(L);
      n = (int)lua_rawlen(L, keys);
      for (i = 1; i <= n; i++) {
        lua_rawgeti(L, keys, i);
        lua_pushvalue(L, -1);
        if (is_code(lua_rawget(L, obj))) {
          lua_rawseti(L, q, ++tail);
          lua_pushfstring(L, "%s.%s", s, lua_tostring(L, -1));
          lua_rawseti(L, qn, tail);
        }
        else lua_pop(L, 1);
        lua_pop(L, 1);
      }
    }
    else if (lua_type(L, obj) == LUA_TFUNCTION && !lua_iscfunction(L, obj)) {
      LClosure *cl = clLvalue(s2v(L->ci->func.p + obj));
      int i;
      h = fnv(h, cl->p->code, sizeof(Instruction) * cl->p->sizecode);
      for (i = 0; i < cl->nupvalues; i++) {
        const char *up = lua_getupvalue(L, obj, i + 1);
        lua_pushlightuserdata(L, cl->upvals[i]);
        if (lua_rawget(L, q + 2) == LUA_TNIL) {
          lua_pop(L, 1);
          lua_pushlightuserdata(L, cl->upvals[i]); lua_pushboolean(L, 1); lua_rawset(L, q + 2);
          nup++;
          lua_rawgeti(L, ctx, CTX_UPVALS); lua_pushlightuserdata(L, cl->upvals[i]); lua_rawseti(L, -2, nup);
          lua_pop(L, 1);
          lua_rawgeti(L, ctx, CTX_UPOWNER); lua_pushvalue(L, obj); lua_rawseti(L, -2, nup); lua_pop(L, 1);
          lua_rawgeti(L, ctx, CTX_UPINDEX); lua_pushinteger(L, i + 1); lua_rawseti(L, -2, nup); lua_pop(L, 1);
          h = fnv(h, up, strlen(up) + 1);
        }
        else lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TFUNCTION || lua_type(L, -1) == LUA_TUSERDATA) {
          lua_rawseti(L, q, ++tail);
          lua_pushfstring(L, "%s^%s", s, up);
          lua_rawseti(L, qn, tail);
        }
        else lua_pop(L, 1);
      }
    }
    lua_settop(L, obj - 1);
  }
  lua_pushinteger(L, (lua_Integer)h);
  lua_rawseti(L, ctx, CTX_HASH);
  lua_pop(L, 3);
}

/* The boot contents of `t`, as a copy in the DIFFED list beside it. */
static void keep_baseline(lua_State *L, int ctx, int t, int slot) {
  lua_rawgeti(L, ctx, CTX_DIFFED);
  lua_pushvalue(L, t);
  lua_rawseti(L, -2, 2 * slot - 1);
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_rawseti(L, -2, 2 * slot);
  lua_pop(L, 1);
}

int luasim_permanents(lua_State *L) {
  int ctx, i, g;
  lua_createtable(L, CTX_WRAP, 0);
  ctx = lua_gettop(L);
  for (i = CTX_IDS; i <= CTX_DIFFED; i++) {
    lua_newtable(L);
    lua_rawseti(L, ctx, i);
  }
  walk(L, ctx);
  lua_pushglobaltable(L); g = lua_gettop(L);
  keep_baseline(L, ctx, g, 1);
  if (lua_getfield(L, g, "package") == LUA_TTABLE && lua_getfield(L, -1, "loaded") == LUA_TTABLE)
    keep_baseline(L, ctx, lua_gettop(L), 2);
  lua_settop(L, g);
  /* coroutine.wrap's C function, to recognise (and rebuild) the functions it makes */
  if (lua_getfield(L, g, "coroutine") == LUA_TTABLE && lua_getfield(L, -1, "wrap") == LUA_TFUNCTION) {
    lua_pushvalue(L, -1);
    lua_call(L, 1, 1);
    lua_rawseti(L, ctx, CTX_WRAP);
  }
  lua_settop(L, ctx);
  return 1;
}

int luasim_upvalue(lua_State *L) {
  const char *want = luaL_checkstring(L, 2);
  int i;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  for (i = 1;; i++) {
    const char *name = lua_getupvalue(L, 1, i);
    if (name == NULL) { lua_pushnil(L); return 1; }
    if (strcmp(name, want) == 0) return 1;
    lua_pop(L, 1);
  }
}

/* ---------------------------------------------------------------- canonical key order */

typedef struct KEnt {
  TValue k;
  int cls;
  lua_Integer ord;
} KEnt;

static int kcmp(const void *pa, const void *pb) {
  const KEnt *a = (const KEnt *)pa, *b = (const KEnt *)pb;
  if (a->cls != b->cls) return a->cls < b->cls ? -1 : 1;
  switch (a->cls) {
    case 2: {
      lua_Number x = fltvalue(&a->k), y = fltvalue(&b->k);
      return x < y ? -1 : x > y;
    }
    case 3: {
      TString *x = tsvalue(&a->k), *y = tsvalue(&b->k);
      size_t lx = tsslen(x), ly = tsslen(y);
      int c = memcmp(getstr(x), getstr(y), lx < ly ? lx : ly);
      return c != 0 ? c : (lx < ly ? -1 : lx > ly);
    }
    default:
      return a->ord < b->ord ? -1 : a->ord > b->ord;
  }
}

/* ---------------------------------------------------------------- the writer */

enum { SEG_TASK, SEG_FIELD, SEG_INDEX, SEG_KEY, SEG_META, SEG_UPVAL, SEG_LOCAL, SEG_SLOT,
       SEG_FRAME, SEG_GLOBAL, SEG_SYSUP, SEG_WRAPPED, SEG_MODULE };

typedef struct Seg {
  int kind;
  const char *s;
  lua_Integer n;
} Seg;

typedef struct Enc {
  lua_State *L;
  int ctx, ids, seen, upseen, protos, deferred, buf;
  unsigned char *bytes;
  size_t len, cap;
  lua_Integer nrefs, nuprefs, ntasks, ndeferred;
  int npath;
  Seg path[MAX_DEPTH + 8];
} Enc;

static void push_seg(Enc *e, int kind, const char *s, lua_Integer n) {
  Seg *g = &e->path[e->npath++];
  g->kind = kind; g->s = s; g->n = n;
}

static l_noret refuse(Enc *e, const char *what) {
  lua_State *L = e->L;
  luaL_Buffer b;
  int i, from = 0;
  for (i = 0; i < e->npath; i++)
    if (e->path[i].kind == SEG_TASK) from = i;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "cannot persist ");
  for (i = from; i < e->npath; i++) {
    const Seg *g = &e->path[i];
    if (i > from) luaL_addstring(&b, " \xE2\x80\xBA ");
    switch (g->kind) {
      case SEG_TASK: lua_pushfstring(L, "task %d", (int)g->n); break;
      case SEG_FIELD: lua_pushfstring(L, "field '%s'", g->s); break;
      case SEG_INDEX: lua_pushfstring(L, "[%d]", (int)g->n); break;
      case SEG_KEY: lua_pushliteral(L, "a key"); break;
      case SEG_META: lua_pushliteral(L, "metatable"); break;
      case SEG_UPVAL: lua_pushfstring(L, "upvalue '%s'", g->s); break;
      case SEG_LOCAL: lua_pushfstring(L, "local '%s'", g->s); break;
      case SEG_SLOT: lua_pushfstring(L, "stack slot %d", (int)g->n); break;
      case SEG_FRAME: lua_pushfstring(L, "function of frame %d", (int)g->n); break;
      case SEG_GLOBAL: lua_pushfstring(L, "global '%s'", g->s); break;
      case SEG_SYSUP: lua_pushfstring(L, "sys.lua's '%s'", g->s); break;
      case SEG_WRAPPED: lua_pushliteral(L, "wrapped coroutine"); break;
      default: lua_pushfstring(L, "package.loaded['%s']", g->s); break;
    }
    luaL_addvalue(&b);
  }
  luaL_addstring(&b, ": ");
  luaL_addstring(&b, what);
  luaL_pushresult(&b);
  luaG_errormsg(L);
}

static void put(Enc *e, const void *p, size_t n) {
  if (e->len + n > e->cap) {
    size_t cap = e->cap * 2 + n;
    unsigned char *next = (unsigned char *)lua_newuserdatauv(e->L, cap, 0);
    memcpy(next, e->bytes, e->len);
    lua_replace(e->L, e->buf);
    e->bytes = next;
    e->cap = cap;
  }
  memcpy(e->bytes + e->len, p, n);
  e->len += n;
}

static void put_byte(Enc *e, int b) {
  unsigned char c = (unsigned char)b;
  put(e, &c, 1);
}

static void put_varint(Enc *e, lua_Unsigned v) {
  do {
    int b = (int)(v & 0x7f);
    v >>= 7;
    put_byte(e, v ? b | 0x80 : b);
  } while (v);
}

static void put_zigzag(Enc *e, lua_Integer i) {
  put_varint(e, i < 0 ? ~((lua_Unsigned)i << 1) : (lua_Unsigned)i << 1);
}

static void put_float(Enc *e, lua_Number x) {
  unsigned char b[8];
  unsigned long long u;
  int i;
  double d = (double)x;
  memcpy(&u, &d, 8);
  for (i = 0; i < 8; i++) b[i] = (unsigned char)(u >> (8 * i));
  put(e, b, 8);
}

/* Looks `idx` up in the table at `t`; the integer found, or 0. */
static lua_Integer lookup(lua_State *L, int t, int idx) {
  lua_Integer n;
  lua_pushvalue(L, idx);
  lua_rawget(L, t);
  n = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return n;
}

static lua_Integer lookup_ptr(lua_State *L, int t, const void *p) {
  lua_Integer n;
  lua_pushlightuserdata(L, (void *)p);
  lua_rawget(L, t);
  n = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return n;
}

static void new_ref(Enc *e, int idx) {
  lua_pushvalue(e->L, idx);
  lua_pushinteger(e->L, ++e->nrefs);
  lua_rawset(e->L, e->seen);
}

static void w_value(Enc *e, int idx);

/* The value `o` (not on the stack), pushed and written. */
static void w_tvalue(Enc *e, const TValue *o) {
  lua_State *L = e->L;
  setobj2s(L, L->top.p, o);
  api_incr_top(L);
  w_value(e, lua_gettop(L));
  lua_pop(L, 1);
}

static int weak_keys(lua_State *L, int t) {
  int weak = 0;
  if (lua_getmetatable(L, t)) {
    lua_pushliteral(L, "__mode");
    if (lua_rawget(L, -2) == LUA_TSTRING) weak = strchr(lua_tostring(L, -1), 'k') != NULL;
    lua_pop(L, 2);
  }
  return weak;
}

static void defer_entry(Enc *e, int t, const TValue *k) {
  lua_State *L = e->L;
  lua_pushvalue(L, t);
  lua_rawseti(L, e->deferred, (lua_Integer)(++e->ndeferred * 2 - 1));
  setobj2s(L, L->top.p, k);
  api_incr_top(L);
  lua_rawseti(L, e->deferred, (lua_Integer)(e->ndeferred * 2));
}

/* Class and order of key `k` (on top of the stack) for the canonical order; -1 when it is an
** object not written yet. */
static int key_class(Enc *e, KEnt *out) {
  lua_State *L = e->L;
  const TValue *k = s2v(L->top.p - 1);
  out->k = *k;
  out->ord = 0;
  switch (ttype(k)) {
    case LUA_TBOOLEAN: out->cls = 0; out->ord = !l_isfalse(k); return 0;
    case LUA_TNUMBER:
      if (ttisinteger(k)) { out->cls = 1; out->ord = ivalue(k); }
      else out->cls = 2;
      return 0;
    case LUA_TSTRING: out->cls = 3; return 0;
    default: {
      lua_Integer id = lookup(L, e->ids, -1), ref;
      if (id) { out->cls = 4; out->ord = id; return 0; }
      ref = lookup(L, e->seen, -1);
      if (ref) { out->cls = 5; out->ord = ref; return 0; }
      return -1;
    }
  }
}

static void w_entry_value(Enc *e, int t, const TValue *k) {
  lua_State *L = e->L;
  setobj2s(L, L->top.p, k);
  api_incr_top(L);
  if (ttisstring(k)) push_seg(e, SEG_FIELD, getstr(tsvalue(k)), 0);
  else if (ttisinteger(k)) push_seg(e, SEG_INDEX, NULL, ivalue(k));
  else push_seg(e, SEG_KEY, NULL, 0);
  lua_rawget(L, t);
  w_value(e, lua_gettop(L));
  lua_pop(L, 1);
  e->npath--;
}

static void w_key(Enc *e, const TValue *k) {
  push_seg(e, SEG_KEY, NULL, 0);
  w_tvalue(e, k);
  e->npath--;
}

static void w_table(Enc *e, int t) {
  lua_State *L = e->L;
  lua_Integer n = 0, m = 0, i;
  int scratch;
  KEnt *ents;
  size_t cap = 0;
  new_ref(e, t);
  while (lua_rawgeti(L, t, n + 1) != LUA_TNIL) { lua_pop(L, 1); n++; }
  lua_pop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, t)) { lua_pop(L, 1); cap++; }
  ents = (KEnt *)lua_newuserdatauv(L, cap * sizeof(KEnt) + 1, 0);
  scratch = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= n) continue;
    if (key_class(e, &ents[m]) == 0) m++;
    else defer_entry(e, t, s2v(L->top.p - 1));
  }
  qsort(ents, (size_t)m, sizeof(KEnt), kcmp);
  put_byte(e, T_TABLE);
  put_varint(e, (lua_Unsigned)n);
  put_varint(e, (lua_Unsigned)m);
  push_seg(e, SEG_META, NULL, 0);
  if (!lua_getmetatable(L, t)) lua_pushnil(L);
  w_value(e, lua_gettop(L));
  lua_pop(L, 1);
  e->npath--;
  for (i = 1; i <= n; i++) {
    push_seg(e, SEG_INDEX, NULL, i);
    lua_rawgeti(L, t, i);
    w_value(e, lua_gettop(L));
    lua_pop(L, 1);
    e->npath--;
  }
  for (i = 0; i < m; i++) {
    w_key(e, &ents[i].k);
    w_entry_value(e, t, &ents[i].k);
  }
  lua_settop(L, scratch - 1);
}

/* The thread whose stack holds the open upvalue `uv`, or NULL. */
static lua_State *owner_of(lua_State *L, const UpVal *uv) {
  lua_State *th;
  for (th = G(L)->twups; th != NULL; th = th->twups) {
    const UpVal *o;
    for (o = th->openupval; o != NULL; o = o->u.open.next)
      if (o == uv) return th;
    if (th->twups == th) break;
  }
  for (th = G(L)->mainthread; th != NULL; th = NULL) {
    const UpVal *o;
    for (o = th->openupval; o != NULL; o = o->u.open.next)
      if (o == uv) return th;
  }
  return NULL;
}

static void w_upval(Enc *e, UpVal *uv) {
  lua_State *L = e->L;
  lua_Integer ref = lookup_ptr(L, e->upseen, uv);
  lua_State *th;
  if (ref) {
    put_byte(e, U_REF);
    put_varint(e, (lua_Unsigned)ref);
    return;
  }
  th = upisopen(uv) ? owner_of(L, uv) : NULL;
  if (th != NULL && th != L && th != G(L)->mainthread) {
    put_byte(e, U_OPEN);
    setthvalue2s(L, L->top.p, th);
    api_incr_top(L);
    w_value(e, lua_gettop(L));
    lua_pop(L, 1);
    ref = lookup_ptr(L, e->upseen, uv);
    if (ref) {
      put_varint(e, 0);
      put_varint(e, (lua_Unsigned)ref);
      return;
    }
    lua_pushlightuserdata(L, uv);
    lua_pushinteger(L, ++e->nuprefs);
    lua_rawset(L, e->upseen);
    put_varint(e, (lua_Unsigned)(cast(StkId, uv->v.p) - th->stack.p) + 1);
    return;
  }
  /* closed, or open in a stack that is not restored (the main chunk's): kept by value */
  put_byte(e, U_CLOSED);
  lua_pushlightuserdata(L, uv);
  lua_pushinteger(L, ++e->nuprefs);
  lua_rawset(L, e->upseen);
  w_tvalue(e, uv->v.p);
}

static void w_lclosure(Enc *e, int idx) {
  lua_State *L = e->L;
  LClosure *cl = clLvalue(s2v(L->ci->func.p + idx));
  lua_Integer code = lookup_ptr(L, e->protos, cl->p);
  int i;
  if (code == 0) {
    const char *src = cl->p->source ? getstr(cl->p->source) : "?";
    lua_pushfstring(L, "a function defined at %s:%d, which is not part of a script", src,
                    cl->p->linedefined);
    refuse(e, lua_tostring(L, -1));
  }
  new_ref(e, idx);
  put_byte(e, T_LCL);
  put_varint(e, (lua_Unsigned)(code >> 16));
  put_varint(e, (lua_Unsigned)(code & 0xffff));
  for (i = 0; i < cl->nupvalues; i++) {
    TString *name = cl->p->upvalues[i].name;
    push_seg(e, SEG_UPVAL, name ? getstr(name) : "?", 0);
    w_upval(e, cl->upvals[i]);
    e->npath--;
  }
}

/* The first frame above the base of `th`, NULL when it has none (cached CallInfos follow). */
static CallInfo *first_ci(lua_State *th) {
  return th->ci == &th->base_ci ? NULL : th->base_ci.next;
}

/* Pushes the path segment of stack slot `i` of `th`; returns 0 (and pushes nothing) for the
** task's body function, whose upvalues read well without it. */
static int slot_label(Enc *e, lua_State *th, int i) {
  CallInfo *ci;
  int frame = 0;
  for (ci = first_ci(th); ci != NULL; ci = (ci == th->ci) ? NULL : ci->next) {
    int func = (int)(ci->func.p - th->stack.p);
    CallInfo *next = (ci == th->ci) ? NULL : ci->next;
    int end = next ? (int)(next->func.p - th->stack.p) : (int)(th->top.p - th->stack.p);
    frame++;
    if (!isLua(ci)) continue;
    if (i == func) {
      if (frame == 1) return 0;
      push_seg(e, SEG_FRAME, NULL, frame);
      return 1;
    }
    if (i > func && i < end) {
      Proto *p = clLvalue(s2v(ci->func.p))->p;
      const char *name = luaF_getlocalname(p, i - func, (int)(ci->u.l.savedpc - p->code) - 1);
      if (name) push_seg(e, SEG_LOCAL, name, 0);
      else push_seg(e, SEG_SLOT, NULL, i);
      return 1;
    }
  }
  push_seg(e, SEG_SLOT, NULL, i);
  return 1;
}

static void w_thread(Enc *e, int idx) {
  lua_State *L = e->L;
  lua_State *th = thvalue(s2v(L->ci->func.p + idx));
  CallInfo *ci;
  int nslots, maxtop, nci = 0, i;
  if (th == L || th == G(L)->mainthread) refuse(e, "the running thread");
  if (th->status == LUA_OK && th->ci != &th->base_ci) refuse(e, "a coroutine that is running (it resumed another)");
  new_ref(e, idx);
  push_seg(e, SEG_TASK, NULL, ++e->ntasks);
  put_byte(e, T_THREAD);
  put_byte(e, th->status);
  if (th->status != LUA_OK && th->status != LUA_YIELD) {
    /* dead by an error: only its error value is kept */
    put_varint(e, 2);
    put_varint(e, 2);
    put_varint(e, 0);
    w_tvalue(e, s2v(th->top.p - 1));
    e->npath--;
    return;
  }
  if (th->tbclist.p != th->stack.p) refuse(e, "a pending to-be-closed variable (<close>)");
  nslots = (int)(th->top.p - th->stack.p);
  maxtop = nslots;
  for (ci = first_ci(th); ci != NULL; ci = (ci == th->ci) ? NULL : ci->next) {
    int top = (int)(ci->top.p - th->stack.p);
    nci++;
    if (top > maxtop) maxtop = top;
    if (!isLua(ci) && ci != th->ci) refuse(e, "a yield across a C function (pcall, a metamethod or an iterator)");
    if (!isLua(ci) && ci->u.c.k != NULL) refuse(e, "a yield with a C continuation");
    if (ci->callstatus & ~CIST_ALLOWED) refuse(e, "a frame in a hook, finalizer or __close call");
  }
  if (th->status == LUA_YIELD && isLua(th->ci)) refuse(e, "a yield from a hook");
  put_varint(e, (lua_Unsigned)maxtop);
  put_varint(e, (lua_Unsigned)nslots);
  put_varint(e, (lua_Unsigned)nci);
  for (i = 1; i < nslots; i++) {
    int pushed = slot_label(e, th, i);
    w_tvalue(e, s2v(th->stack.p + i));
    e->npath -= pushed;
  }
  for (ci = first_ci(th); ci != NULL; ci = (ci == th->ci) ? NULL : ci->next) {
    put_varint(e, ci->callstatus);
    put_varint(e, (lua_Unsigned)(ci->func.p - th->stack.p));
    put_varint(e, (lua_Unsigned)(ci->top.p - th->stack.p));
    put_zigzag(e, ci->nresults);
    if (isLua(ci)) {
      Proto *p = clLvalue(s2v(ci->func.p))->p;
      put_varint(e, (lua_Unsigned)(ci->u.l.savedpc - p->code));
      put_varint(e, p->is_vararg ? (lua_Unsigned)ci->u.l.nextraargs : 0); /* set by VARARGPREP only */
    }
  }
  e->npath--;
}

/* Whether the C function at `idx` is one made by coroutine.wrap. */
static int is_wrap(Enc *e, int idx) {
  lua_State *L = e->L;
  const TValue *f = s2v(L->ci->func.p + idx);
  int wrap = 0;
  if (lua_rawgeti(L, e->ctx, CTX_WRAP) == LUA_TFUNCTION && ttisCclosure(f) && ttisCclosure(s2v(L->top.p - 1)))
    wrap = clCvalue(s2v(L->top.p - 1))->f == clCvalue(f)->f && clCvalue(f)->nupvalues == 1;
  lua_pop(L, 1);
  return wrap;
}

static void w_value(Enc *e, int idx) {
  lua_State *L = e->L;
  lua_Integer n;
  if (e->npath >= MAX_DEPTH) refuse(e, "values nested too deeply");
  luaL_checkstack(L, 24, "persist");
  switch (lua_type(L, idx)) {
    case LUA_TNIL: put_byte(e, T_NIL); return;
    case LUA_TBOOLEAN: put_byte(e, lua_toboolean(L, idx) ? T_TRUE : T_FALSE); return;
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) { put_byte(e, T_INT); put_zigzag(e, lua_tointeger(L, idx)); }
      else { put_byte(e, T_FLOAT); put_float(e, lua_tonumber(L, idx)); }
      return;
    case LUA_TLIGHTUSERDATA: refuse(e, "a light userdata");
    default: break;
  }
  if ((n = lookup(L, e->ids, idx)) != 0) { put_byte(e, T_PERM); put_varint(e, (lua_Unsigned)n); return; }
  if ((n = lookup(L, e->seen, idx)) != 0) { put_byte(e, T_REF); put_varint(e, (lua_Unsigned)n); return; }
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      new_ref(e, idx);
      put_byte(e, T_STR);
      put_varint(e, (lua_Unsigned)len);
      put(e, s, len);
      return;
    }
    case LUA_TTABLE: w_table(e, idx); return;
    case LUA_TTHREAD: w_thread(e, idx); return;
    case LUA_TUSERDATA: refuse(e, "a userdata (no persist rule)");
    default: break;
  }
  if (!lua_iscfunction(L, idx)) { w_lclosure(e, idx); return; }
  if (is_wrap(e, idx)) {
    new_ref(e, idx);
    put_byte(e, T_WRAP);
    push_seg(e, SEG_WRAPPED, NULL, 0);
    lua_getupvalue(L, idx, 1);
    w_value(e, lua_gettop(L));
    lua_pop(L, 1);
    e->npath--;
    return;
  }
  refuse(e, "a C function that is not one of the firmware's permanents");
}

static void index_protos(lua_State *L, int protos, Proto *p, lua_Integer chunk, lua_Integer *next) {
  int i;
  lua_pushlightuserdata(L, p);
  lua_pushinteger(L, (chunk << 16) | (*next)++);
  lua_rawset(L, protos);
  for (i = 0; i < p->sizep; i++) index_protos(L, protos, p->p[i], chunk, next);
}

/* Protos of the chunks at `chunks`: lightuserdata -> chunk << 16 | index (persist), or the
** reverse (unpersist), in a table pushed on the stack. */
static void chunk_protos(lua_State *L, int chunks, int reverse) {
  lua_Integer c, n = (lua_Integer)lua_rawlen(L, chunks);
  int protos;
  lua_newtable(L);
  protos = lua_gettop(L);
  for (c = 1; c <= n; c++) {
    lua_Integer next = 0;
    lua_rawgeti(L, chunks, c);
    if (lua_type(L, -1) != LUA_TFUNCTION || lua_iscfunction(L, -1)) luaL_error(L, "chunk %d is not a Lua function", (int)c);
    index_protos(L, protos, clLvalue(s2v(L->top.p - 1))->p, c, &next);
    lua_pop(L, 1);
  }
  if (reverse) {
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, protos)) {
      lua_pushvalue(L, -2);
      lua_rawset(L, -4);
    }
    lua_replace(L, protos);
  }
}

/* Entries of the diffed table `t` whose value is not the one it had at boot, and boot keys
** now absent; written as a count and (key, value) pairs, ABSENT for a removed key. */
static void w_diff(Enc *e, int t, int base, int segkind) {
  lua_State *L = e->L;
  int changed;
  lua_Integer m = 0, n = 0, i;
  KEnt *ents;
  lua_newtable(L);
  changed = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pushvalue(L, -2);
    lua_rawget(L, base);
    if (!lua_rawequal(L, -1, -2)) {
      lua_pop(L, 1);
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, changed);
    }
    else lua_pop(L, 2);
  }
  lua_pushnil(L);
  while (lua_next(L, base)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, t) == LUA_TNIL) {
      lua_pushvalue(L, -2);
      lua_pushlightuserdata(L, (void *)&e->npath); /* the removal mark */
      lua_rawset(L, changed);
    }
    lua_pop(L, 1);
  }
  lua_pushnil(L);
  while (lua_next(L, changed)) { lua_pop(L, 1); n++; }
  ents = (KEnt *)lua_newuserdatauv(L, (size_t)n * sizeof(KEnt) + 1, 0);
  lua_pushnil(L);
  while (lua_next(L, changed)) {
    lua_pop(L, 1);
    if (key_class(e, &ents[m]) == 0) m++;
    else defer_entry(e, t, s2v(L->top.p - 1));
  }
  qsort(ents, (size_t)m, sizeof(KEnt), kcmp);
  put_varint(e, (lua_Unsigned)m);
  for (i = 0; i < m; i++) {
    w_key(e, &ents[i].k);
    setobj2s(L, L->top.p, &ents[i].k);
    api_incr_top(L);
    lua_rawget(L, changed);
    if (lua_islightuserdata(L, -1)) put_byte(e, T_ABSENT);
    else {
      push_seg(e, segkind, ttisstring(&ents[i].k) ? getstr(tsvalue(&ents[i].k)) : "?", 0);
      w_value(e, lua_gettop(L));
      e->npath--;
    }
    lua_pop(L, 1);
  }
  lua_settop(L, changed - 1);
}

/* sys.lua's state: every upvalue of a permanent Lua function whose value is not a permanent. */
static void w_upvalues(Enc *e) {
  lua_State *L = e->L;
  int ups, owners, index;
  lua_Integer n, i, m = 0;
  lua_rawgeti(L, e->ctx, CTX_UPVALS); ups = lua_gettop(L);
  lua_rawgeti(L, e->ctx, CTX_UPOWNER); owners = lua_gettop(L);
  lua_rawgeti(L, e->ctx, CTX_UPINDEX); index = lua_gettop(L);
  n = (lua_Integer)lua_rawlen(L, ups);
  for (i = 1; i <= n; i++) {
    UpVal *uv;
    lua_rawgeti(L, ups, i);
    uv = (UpVal *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    setobj2s(L, L->top.p, uv->v.p);
    api_incr_top(L);
    if (!(iscollectable(s2v(L->top.p - 1)) && lookup(L, e->ids, -1))) m++;
    lua_pop(L, 1);
  }
  put_varint(e, (lua_Unsigned)m);
  for (i = 1; i <= n; i++) {
    UpVal *uv;
    lua_rawgeti(L, ups, i);
    uv = (UpVal *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    setobj2s(L, L->top.p, uv->v.p);
    api_incr_top(L);
    if (!(iscollectable(s2v(L->top.p - 1)) && lookup(L, e->ids, -1))) {
      const char *name;
      LClosure *owner;
      int k;
      lua_rawgeti(L, owners, i);
      owner = clLvalue(s2v(L->top.p - 1));
      lua_pop(L, 1);
      lua_rawgeti(L, index, i);
      k = (int)lua_tointeger(L, -1) - 1;
      lua_pop(L, 1);
      name = owner->p->upvalues[k].name ? getstr(owner->p->upvalues[k].name) : "?";
      put_varint(e, (lua_Unsigned)i);
      push_seg(e, SEG_SYSUP, name, 0);
      w_value(e, lua_gettop(L));
      e->npath--;
    }
    lua_pop(L, 1);
  }
  lua_settop(L, ups - 1);
}

typedef struct Pending {
  lua_Integer tord, kord, i;
} Pending;

static int pcmp(const void *pa, const void *pb) {
  const Pending *a = (const Pending *)pa, *b = (const Pending *)pb;
  if (a->tord != b->tord) return a->tord < b->tord ? -1 : 1;
  return a->kord < b->kord ? -1 : a->kord > b->kord;
}

/* Order of an object already written: permanents first, by number, then by reference. */
static lua_Integer written_order(Enc *e, int idx) {
  lua_Integer id = lookup(e->L, e->ids, idx);
  if (id) return id - ((lua_Integer)1 << 40);
  return lookup(e->L, e->seen, idx);
}

static void w_deferred_entry(Enc *e, lua_Integer i) {
  lua_State *L = e->L;
  int t, k;
  lua_rawgeti(L, e->deferred, 2 * i - 1); t = lua_gettop(L);
  lua_rawgeti(L, e->deferred, 2 * i); k = lua_gettop(L);
  lua_pushvalue(L, k);
  if (lua_rawget(L, t) != LUA_TNIL) {
    put_byte(e, T_TABLE);
    w_value(e, t);
    w_value(e, k);
    w_value(e, lua_gettop(L));
  }
  lua_settop(L, t - 1);
}

/* Deferred entries, each once its key has been written, in the order of (table, key); then a
** key never written anywhere else is written where it stands (in the order the table holds it,
** which is the one place the image depends on addresses), except in weak-keyed tables, whose
** entry would be collected anyway. */
static void w_deferred(Enc *e) {
  lua_State *L = e->L;
  lua_Integer i, done = 0;
  int marks;
  lua_newtable(L);
  marks = lua_gettop(L);
  while (done < e->ndeferred) {
    lua_Integer n = 0, j;
    Pending *ready = (Pending *)lua_newuserdatauv(L, (size_t)e->ndeferred * sizeof(Pending), 0);
    for (i = 1; i <= e->ndeferred; i++) {
      lua_Integer kord;
      if (lua_rawgeti(L, marks, i) != LUA_TNIL) { lua_pop(L, 1); continue; }
      lua_pop(L, 1);
      lua_rawgeti(L, e->deferred, 2 * i);
      kord = written_order(e, lua_gettop(L));
      lua_pop(L, 1);
      if (kord == 0) continue;
      lua_rawgeti(L, e->deferred, 2 * i - 1);
      ready[n].tord = written_order(e, lua_gettop(L));
      lua_pop(L, 1);
      ready[n].kord = kord;
      ready[n++].i = i;
    }
    qsort(ready, (size_t)n, sizeof(Pending), pcmp);
    for (j = 0; j < n; j++) {
      w_deferred_entry(e, ready[j].i);
      lua_pushboolean(L, 1);
      lua_rawseti(L, marks, ready[j].i);
    }
    done += n;
    lua_pop(L, 1);
    if (n > 0) continue;
    for (i = 1; i <= e->ndeferred; i++) { /* nothing ready: the first key written nowhere else */
      int t, weak;
      if (lua_rawgeti(L, marks, i) != LUA_TNIL) { lua_pop(L, 1); continue; }
      lua_pop(L, 1);
      lua_pushboolean(L, 1);
      lua_rawseti(L, marks, i);
      done++;
      lua_rawgeti(L, e->deferred, 2 * i - 1);
      t = lua_gettop(L);
      weak = weak_keys(L, t);
      lua_pop(L, 1);
      if (!weak) { w_deferred_entry(e, i); break; }
    }
  }
  put_byte(e, T_NIL);
  lua_pop(L, 1);
}

int luasim_persist(lua_State *L) {
  Enc e;
  lua_Integer hash;
  unsigned char h[4];
  int i;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTHREAD);
  lua_settop(L, 3);
  memset(&e, 0, sizeof e);
  e.L = L;
  e.ctx = 1;
  lua_rawgeti(L, 1, CTX_IDS); e.ids = lua_gettop(L);
  lua_newtable(L); e.seen = lua_gettop(L);
  lua_newtable(L); e.upseen = lua_gettop(L);
  chunk_protos(L, 2, 0); e.protos = lua_gettop(L);
  lua_newtable(L); e.deferred = lua_gettop(L);
  e.cap = 256;
  e.bytes = (unsigned char *)lua_newuserdatauv(L, e.cap, 0);
  e.buf = lua_gettop(L);
  lua_rawgeti(L, 1, CTX_HASH);
  hash = lua_tointeger(L, -1);
  lua_pop(L, 1);
  put_byte(&e, IMAGE_VERSION);
  for (i = 0; i < 4; i++) h[i] = (unsigned char)((lua_Unsigned)hash >> (8 * i));
  put(&e, h, 4);
  w_value(&e, 3);
  w_upvalues(&e);
  lua_rawgeti(L, 1, CTX_DIFFED);
  for (i = 1; i <= 2; i++) {
    lua_rawgeti(L, -1, 2 * i - 1);
    lua_rawgeti(L, -2, 2 * i);
    if (lua_istable(L, -1)) w_diff(&e, lua_gettop(L) - 1, lua_gettop(L), i == 1 ? SEG_GLOBAL : SEG_MODULE);
    else put_varint(&e, 0);
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  w_deferred(&e);
  lua_pushlstring(L, (const char *)e.bytes, e.len);
  return 1;
}

/* ---------------------------------------------------------------- the reader */

typedef struct Dec {
  lua_State *L;
  const unsigned char *start, *p, *end;
  int ctx, objs, refs, protos, ups;
  lua_Integer nrefs, nups;
} Dec;

static l_noret corrupt(Dec *d, const char *what) {
  lua_pushfstring(d->L, "sleepy image: %s at byte %d", what, (int)(d->p - d->start));
  luaG_errormsg(d->L);
}

static int peek_byte(Dec *d) {
  if (d->p >= d->end) corrupt(d, "truncated");
  return *d->p;
}

static int get_byte(Dec *d) {
  if (d->p >= d->end) corrupt(d, "truncated");
  return *d->p++;
}

static lua_Unsigned get_varint(Dec *d) {
  lua_Unsigned v = 0;
  int shift = 0, b;
  do {
    if (shift > 63) corrupt(d, "bad number");
    b = get_byte(d);
    v |= (lua_Unsigned)(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return v;
}

static lua_Integer get_zigzag(Dec *d) {
  lua_Unsigned v = get_varint(d);
  return (lua_Integer)((v >> 1) ^ (~(v & 1) + 1));
}

static int get_small(Dec *d, lua_Unsigned limit, const char *what) {
  lua_Unsigned v = get_varint(d);
  if (v > limit) corrupt(d, what);
  return (int)v;
}

static void add_ref(Dec *d) {
  lua_pushvalue(d->L, -1);
  lua_rawseti(d->L, d->refs, ++d->nrefs);
}

static void add_up(Dec *d, lua_Integer n, UpVal *uv) {
  lua_pushlightuserdata(d->L, uv);
  lua_rawseti(d->L, d->ups, n);
}

static void r_value(Dec *d);

static void r_table(Dec *d) {
  lua_State *L = d->L;
  int n = get_small(d, 1 << 24, "bad table size"), m = get_small(d, 1 << 24, "bad table size"), t, i;
  lua_createtable(L, n, m);
  t = lua_gettop(L);
  add_ref(d);
  r_value(d); /* metatable, set last */
  if (!lua_isnil(L, -1) && !lua_istable(L, -1)) corrupt(d, "bad metatable");
  for (i = 1; i <= n; i++) {
    r_value(d);
    lua_rawseti(L, t, i);
  }
  for (i = 0; i < m; i++) {
    r_value(d);
    if (lua_isnil(L, -1)) corrupt(d, "nil key");
    r_value(d);
    lua_rawset(L, t);
  }
  if (lua_istable(L, t + 1)) lua_setmetatable(L, t);
  else lua_pop(L, 1);
}

static void r_lclosure(Dec *d) {
  lua_State *L = d->L;
  lua_Integer chunk = get_small(d, 0xffff, "bad chunk"), index = get_small(d, 0xffff, "bad prototype");
  LClosure *cl;
  Proto *p;
  int i;
  lua_rawgeti(L, d->protos, (chunk << 16) | index);
  p = (Proto *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (p == NULL) corrupt(d, "unknown prototype");
  cl = luaF_newLclosure(L, p->sizeupvalues);
  cl->p = p;
  setclLvalue2s(L, L->top.p, cl);
  api_incr_top(L);
  luaF_initupvals(L, cl);
  add_ref(d);
  for (i = 0; i < cl->nupvalues; i++) {
    int kind = get_byte(d);
    UpVal *uv;
    if (kind == U_REF) {
      lua_rawgeti(L, d->ups, (lua_Integer)get_varint(d));
      uv = (UpVal *)lua_touserdata(L, -1);
      lua_pop(L, 1);
      if (uv == NULL) corrupt(d, "unknown upvalue");
    }
    else if (kind == U_CLOSED) {
      uv = cl->upvals[i];
      add_up(d, ++d->nups, uv);
      r_value(d);
      setobj(L, uv->v.p, s2v(L->top.p - 1));
      luaC_barrier(L, uv, s2v(L->top.p - 1));
      lua_pop(L, 1);
    }
    else if (kind == U_OPEN) {
      lua_State *th;
      lua_Unsigned at;
      r_value(d);
      if (!lua_isthread(L, -1)) corrupt(d, "open upvalue without its thread");
      th = lua_tothread(L, -1);
      at = get_varint(d);
      if (at == 0) {
        lua_rawgeti(L, d->ups, (lua_Integer)get_varint(d));
        uv = (UpVal *)lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (uv == NULL) corrupt(d, "unknown upvalue");
      }
      else {
        if (at - 1 >= (lua_Unsigned)stacksize(th)) corrupt(d, "open upvalue outside its stack");
        uv = luaF_findupval(th, th->stack.p + (at - 1));
        add_up(d, ++d->nups, uv);
      }
      lua_pop(L, 1);
    }
    else corrupt(d, "bad upvalue");
    cl->upvals[i] = uv;
    luaC_objbarrier(L, cl, uv);
  }
}

static void ensure_stack(lua_State *th, int size) {
  if (stacksize(th) < size + EXTRA_STACK) luaD_reallocstack(th, size + LUA_MINSTACK, 1);
}

static void r_thread(Dec *d) {
  lua_State *L = d->L;
  lua_State *th = lua_newthread(L);
  int status, maxtop, nslots, nci, i;
  add_ref(d);
  status = get_byte(d);
  maxtop = get_small(d, LUAI_MAXSTACK - LUA_MINSTACK, "stack too large");
  nslots = get_small(d, (lua_Unsigned)maxtop, "bad stack top");
  nci = get_small(d, LUAI_MAXCCALLS, "too many frames");
  if ((status != LUA_OK && status != LUA_YIELD && status < LUA_ERRRUN) || status > LUA_ERRERR || nslots < 1)
    corrupt(d, "bad thread");
  ensure_stack(th, maxtop);
  for (i = 1; i < nslots; i++) {
    r_value(d);
    setobj2s(th, th->stack.p + i, s2v(L->top.p - 1));
    th->top.p = th->stack.p + i + 1;
    lua_pop(L, 1);
  }
  ensure_stack(th, maxtop);
  for (i = 0; i < nci; i++) {
    unsigned status_bits = (unsigned)get_varint(d);
    int func = get_small(d, (lua_Unsigned)nslots - 1, "bad frame");
    int top = get_small(d, (lua_Unsigned)maxtop, "bad frame top");
    int nresults = (int)get_zigzag(d);
    CallInfo *ci = th->ci->next ? th->ci->next : luaE_extendCI(th, 1);
    const TValue *f = s2v(th->stack.p + func);
    if ((status_bits & ~CIST_ALLOWED) || top < func || nresults < LUA_MULTRET || nresults > 250)
      corrupt(d, "bad frame");
    ci->func.p = th->stack.p + func;
    ci->top.p = th->stack.p + top;
    ci->nresults = (short)nresults;
    ci->callstatus = (unsigned short)status_bits;
    ci->u2.funcidx = 0;
    if (status_bits & CIST_C) {
      if (!ttisfunction(f) || ttisLclosure(f) || i != nci - 1) corrupt(d, "bad C frame");
      ci->u.c.k = NULL;
      ci->u.c.old_errfunc = 0;
      ci->u.c.ctx = 0;
    }
    else {
      Proto *p;
      int pc;
      if (!ttisLclosure(f)) corrupt(d, "bad Lua frame");
      p = clLvalue(f)->p;
      pc = get_small(d, (lua_Unsigned)p->sizecode, "bad pc");
      ci->u.l.savedpc = p->code + pc;
      ci->u.l.trap = 0;
      ci->u.l.nextraargs = get_small(d, (lua_Unsigned)maxtop, "bad varargs");
    }
    th->ci = ci;
  }
  if (status == LUA_YIELD && (nci == 0 || isLua(th->ci))) corrupt(d, "bad suspended thread");
  th->status = (lu_byte)status;
}

static void r_value(Dec *d) {
  lua_State *L = d->L;
  int tag = get_byte(d);
  luaL_checkstack(L, 24, "unpersist");
  switch (tag) {
    case T_NIL: lua_pushnil(L); return;
    case T_FALSE: lua_pushboolean(L, 0); return;
    case T_TRUE: lua_pushboolean(L, 1); return;
    case T_INT: lua_pushinteger(L, get_zigzag(d)); return;
    case T_FLOAT: {
      unsigned long long u = 0;
      double x;
      int i;
      for (i = 0; i < 8; i++) u |= (unsigned long long)get_byte(d) << (8 * i);
      memcpy(&x, &u, 8);
      lua_pushnumber(L, (lua_Number)x);
      return;
    }
    case T_STR: {
      lua_Unsigned len = get_varint(d);
      if (len > (lua_Unsigned)(d->end - d->p)) corrupt(d, "truncated string");
      lua_pushlstring(L, (const char *)d->p, (size_t)len);
      d->p += len;
      add_ref(d);
      return;
    }
    case T_REF:
      if (lua_rawgeti(L, d->refs, (lua_Integer)get_varint(d)) == LUA_TNIL) corrupt(d, "unknown reference");
      return;
    case T_PERM:
      if (lua_rawgeti(L, d->objs, (lua_Integer)get_varint(d)) == LUA_TNIL) corrupt(d, "unknown permanent");
      return;
    case T_TABLE: r_table(d); return;
    case T_LCL: r_lclosure(d); return;
    case T_THREAD: r_thread(d); return;
    case T_WRAP: {
      if (lua_rawgeti(L, d->ctx, CTX_WRAP) != LUA_TFUNCTION) corrupt(d, "no coroutine.wrap");
      lua_pushnil(L);
      lua_pushcclosure(L, clCvalue(s2v(L->top.p - 2))->f, 1);
      lua_remove(L, -2);
      add_ref(d);
      r_value(d);
      if (!lua_isthread(L, -1)) corrupt(d, "bad wrapped coroutine");
      lua_setupvalue(L, -2, 1);
      return;
    }
    default: corrupt(d, "bad tag");
  }
}

int luasim_unpersist(lua_State *L) {
  Dec d;
  size_t len;
  const char *image;
  lua_Integer hash, want, i, n;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  image = luaL_checklstring(L, 3, &len);
  lua_settop(L, 3);
  memset(&d, 0, sizeof d);
  d.L = L;
  d.start = d.p = (const unsigned char *)image;
  d.end = d.p + len;
  d.ctx = 1;
  lua_rawgeti(L, 1, CTX_OBJS); d.objs = lua_gettop(L);
  lua_newtable(L); d.refs = lua_gettop(L);
  chunk_protos(L, 2, 1); d.protos = lua_gettop(L);
  lua_newtable(L); d.ups = lua_gettop(L);
  if (get_byte(&d) != IMAGE_VERSION) corrupt(&d, "unknown version");
  hash = 0;
  for (i = 0; i < 4; i++) hash |= (lua_Integer)get_byte(&d) << (8 * i);
  lua_rawgeti(L, 1, CTX_HASH);
  want = (lua_Integer)((lua_Unsigned)lua_tointeger(L, -1) & 0xffffffffu);
  lua_pop(L, 1);
  if (hash != want) luaL_error(L, "sleepy image: made by another firmware (sys.lua or bindings differ)");
  r_value(&d); /* the sleeper, at d.ups + 1 */
  if (!lua_isthread(L, -1)) corrupt(&d, "no sleeping task");
  /* sys.lua's state */
  lua_rawgeti(L, 1, CTX_UPVALS);
  n = (lua_Integer)get_varint(&d);
  for (i = 0; i < n; i++) {
    UpVal *uv;
    lua_rawgeti(L, -1, (lua_Integer)get_varint(&d));
    uv = (UpVal *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (uv == NULL) corrupt(&d, "unknown sys.lua upvalue");
    r_value(&d);
    setobj(L, uv->v.p, s2v(L->top.p - 1));
    luaC_barrier(L, uv, s2v(L->top.p - 1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  /* _G and package.loaded */
  lua_rawgeti(L, 1, CTX_DIFFED);
  for (i = 1; i <= 2; i++) {
    lua_Integer m, j;
    lua_rawgeti(L, -1, 2 * i - 1);
    m = (lua_Integer)get_varint(&d);
    if (m > 0 && !lua_istable(L, -1)) corrupt(&d, "no table for its entries");
    for (j = 0; j < m; j++) {
      r_value(&d);
      if (peek_byte(&d) == T_ABSENT) { d.p++; lua_pushnil(L); }
      else r_value(&d);
      lua_rawset(L, -3);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  /* deferred entries */
  while (get_byte(&d) == T_TABLE) {
    r_value(&d);
    if (!lua_istable(L, -1)) corrupt(&d, "deferred entry without its table");
    r_value(&d);
    r_value(&d);
    lua_rawset(L, -3);
    lua_pop(L, 1);
  }
  if (d.p != d.end) corrupt(&d, "trailing bytes");
  lua_pushvalue(L, d.ups + 1);
  return 1;
}
