/*
 * nvg module - active dialogs through the NVG (nvg_dlg.c)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */
#ifndef _NVG_DLG_H_
#define _NVG_DLG_H_

#include <time.h>
#include "core/str.h"
#include "core/rpc.h"
#include "nvg_hlist.h"

#define NVG_DLG_MAX_SDP 8192

typedef struct nvg_dlg {
	struct nvg_dlg *next, *prev;
	void *cell;          /* the dialog module's dlg_cell (identity only) */
	int confirmed;
	int mn_is_caller;
	unsigned int mn_cseq; /* highest CSeq the MN side used */
	time_t created;
	char callid[NVG_HL_CALLID_MAX + 1];
	char mn_tag[NVG_HL_TAG_MAX + 1];
	char cn_tag[NVG_HL_TAG_MAX + 1];
	char cn_uri[NVG_HL_URI_MAX + 1];
	char mn_uri[NVG_HL_URI_MAX + 1];
	char cn_target[NVG_HL_URI_MAX + 1];  /* the CN's Contact */
	char mn_contact[NVG_HL_URI_MAX + 1]; /* the MN's Contact */
	char route[1024];                    /* route set toward the CN */
	char *mn_sdp;                        /* shm, NUL-terminated */
	int mn_sdp_len;
} nvg_dlg_t;

extern int nvg_max_dialogs;

int nvg_dlg_init(void); /* mod_init, gateway role */
int nvg_dlg_enabled(void);
void nvg_dlg_counts(int *n, int *confirmed);
void nvg_dlg_set_mn_sdp(const str *callid, const char *sdp, int len);
/* confirmed dialogs into out[0..max): returns how many */
int nvg_dlg_snapshot(nvg_hl_entry_t *out, int max);
/* copy of one dialog (and its SDP into sdp[sdpcap]); bump_cseq takes the
 * next MN-side CSeq for a request the NVG sends; 0 or -1 (gone) */
int nvg_dlg_get(const char *callid, const char *mn_tag, const char *cn_tag,
		nvg_dlg_t *copy, char *sdp, int sdpcap, int bump_cseq);
void nvg_dlg_rpc(rpc_t *rpc, void *ctx);

#endif
