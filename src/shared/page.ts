/** `page/info`: what the panel header shows about the current page or blog post. */
export interface PageInfo {
  id: string;
  type: 'page' | 'blogpost';
  title: string;
  version: number;
  spaceId?: string;
  spaceKey?: string;
  spaceName?: string;
  url?: string;
  /** It is its space's homepage (the panel then offers to export the whole space). */
  spaceHome?: boolean;
  /** Can the current user edit it (for auto-export settings). */
  canEdit: boolean;
}

export type PageInfoPayload = Record<string, never>;
