/*
 * bencode - bounded, non-recursive bencode decoder. See bencode.h.
 */
#include "bencode.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, const char *fmt, ...)
{
	if(err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, BE_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return -1;
}

struct frame {
	int node; /* the open list/dict */
	int last; /* its last child, -1 when none yet */
};

int be_decode(const char *buf, size_t len, be_node_t *nodes, int max_nodes,
		size_t *consumed, char *err)
{
	struct frame stack[BE_MAX_DEPTH];
	int depth = 0, used = 0;
	size_t pos = 0;

	if(!buf || !nodes || max_nodes < 1)
		return fail(err, "null argument");
	for(;;) {
		be_node_t *n;
		int idx;

		if(pos >= len)
			return fail(err, depth ? "input ends inside a %s at offset %zu" : "empty input",
					depth && nodes[stack[depth - 1].node].type == BE_DICT ? "dictionary" : "list",
					pos);
		/* end of the open container */
		if(depth > 0 && buf[pos] == 'e') {
			be_node_t *c = &nodes[stack[depth - 1].node];
			if(c->type == BE_DICT && (c->len & 1))
				return fail(err, "dictionary key without a value at offset %zu", pos);
			pos++;
			depth--;
			if(depth == 0)
				break;
			continue;
		}
		if(used >= max_nodes)
			return fail(err, "more than %d values", max_nodes);
		idx = used++;
		n = &nodes[idx];
		memset(n, 0, sizeof(*n));
		n->first = n->next = -1;
		/* one value at pos */
		if(buf[pos] == 'i') {
			size_t start = ++pos, digits;
			int neg = 0;
			uint64_t v = 0;
			if(pos < len && buf[pos] == '-') {
				neg = 1;
				pos++;
			}
			digits = 0;
			while(pos < len && buf[pos] >= '0' && buf[pos] <= '9') {
				if(++digits > 18)
					return fail(err, "integer at offset %zu has more than 18 digits", start);
				v = v * 10 + (uint64_t)(buf[pos] - '0');
				pos++;
			}
			if(digits == 0 || pos >= len || buf[pos] != 'e')
				return fail(err, "bad integer at offset %zu", start - 1);
			if((digits > 1 && buf[start + neg] == '0') || (neg && v == 0))
				return fail(err, "non-canonical integer at offset %zu", start - 1);
			pos++;
			n->type = BE_INT;
			n->i = neg ? -(int64_t)v : (int64_t)v;
		} else if(buf[pos] >= '0' && buf[pos] <= '9') {
			size_t start = pos, digits = 0, slen = 0;
			while(pos < len && buf[pos] >= '0' && buf[pos] <= '9') {
				if(++digits > 9)
					return fail(err, "string length at offset %zu has more than 9 digits", start);
				slen = slen * 10 + (size_t)(buf[pos] - '0');
				pos++;
			}
			if(pos >= len || buf[pos] != ':')
				return fail(err, "string length at offset %zu not followed by ':'", start);
			if(digits > 1 && buf[start] == '0')
				return fail(err, "non-canonical string length at offset %zu", start);
			pos++;
			if(slen > len - pos)
				return fail(err, "string at offset %zu (%zu bytes) runs past the end", start, slen);
			n->type = BE_STR;
			n->s = buf + pos;
			n->len = slen;
			pos += slen;
		} else if(buf[pos] == 'l' || buf[pos] == 'd') {
			n->type = buf[pos] == 'l' ? BE_LIST : BE_DICT;
			pos++;
		} else {
			return fail(err, "unexpected byte 0x%02x at offset %zu", (unsigned char)buf[pos], pos);
		}
		/* attach to the open container */
		if(depth > 0) {
			struct frame *f = &stack[depth - 1];
			be_node_t *c = &nodes[f->node];
			if(c->type == BE_DICT && !(c->len & 1) && n->type != BE_STR)
				return fail(err, "dictionary key at offset %zu is not a string", pos);
			if(f->last < 0)
				c->first = idx;
			else
				nodes[f->last].next = idx;
			f->last = idx;
			c->len++;
		}
		if(n->type == BE_LIST || n->type == BE_DICT) {
			if(depth >= BE_MAX_DEPTH)
				return fail(err, "nesting deeper than %d", BE_MAX_DEPTH);
			stack[depth].node = idx;
			stack[depth].last = -1;
			depth++;
		} else if(depth == 0) {
			break;
		}
	}
	if(consumed)
		*consumed = pos;
	else if(pos != len)
		return fail(err, "%zu trailing bytes after the value", len - pos);
	return used;
}

int be_dict_get(const be_node_t *nodes, int dict, const char *key)
{
	size_t kl;
	int k;

	if(!nodes || dict < 0 || nodes[dict].type != BE_DICT || !key)
		return -1;
	kl = strlen(key);
	for(k = nodes[dict].first; k >= 0; k = nodes[nodes[k].next].next) {
		int v = nodes[k].next; /* a dictionary always has key, value pairs */
		if(v < 0)
			return -1;
		if(nodes[k].len == kl && memcmp(nodes[k].s, key, kl) == 0)
			return v;
	}
	return -1;
}

int be_dict_str(const be_node_t *nodes, int dict, const char *key, const char **s, size_t *len)
{
	int v = be_dict_get(nodes, dict, key);
	if(v < 0 || nodes[v].type != BE_STR)
		return -1;
	*s = nodes[v].s;
	*len = nodes[v].len;
	return 0;
}

int be_str_is(const be_node_t *nodes, int idx, const char *lit)
{
	size_t l = strlen(lit);
	return idx >= 0 && nodes[idx].type == BE_STR && nodes[idx].len == l
		   && memcmp(nodes[idx].s, lit, l) == 0;
}
